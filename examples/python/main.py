"""Two Python Cloud Functions reporting to firestep through sdk/python/firestep.py (vendor that one
file next to this main.py). Flow: examples/python-chain.json — CountRows's output is Summarize's input.

Deploy each with functions-framework (``--entry-point count_rows`` …), or serve them locally:

    PYTHONPATH=sdk/python python3 sdk/python/serve.py main --port 8090   # from examples/python
"""

import firestep


@firestep.step
def count_rows(ctx):
    table = ctx.input["table"]
    if not table:
        raise ValueError("input.table is empty")  # fails the step: StepFailed {name, message}
    ctx.log("counting rows of", table)
    rows = 6 * len(table)  # stands in for a BigQuery count
    ctx.report({"table": table, "rows": rows})
    return {"table": table, "rows": rows}


@firestep.step
def summarize(ctx):
    ctx.log(f"step {ctx.step}, attempt {ctx.attempt} of execution {ctx.execution_id}")
    return {"summary": f"{ctx.input['table']} has {ctx.input['rows']} rows"}
