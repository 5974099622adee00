/**
 * A BigQuery step's resolved `parameters` as named query parameters (`parameterMode: NAMED`): strings
 * are STRING, integers INT64, other numbers FLOAT64, booleans BOOL, lists ARRAY of their first
 * element's type; null is a typed NULL (STRING). Objects are refused at validation.
 *
 * Reference: https://cloud.google.com/bigquery/docs/reference/rest/v2/QueryParameter
 */
import type { bigquery_v2 } from 'googleapis/build/src/apis/bigquery/index.js';
import type { Json } from '../../engine/flow/model.ts';

type QueryParameter = bigquery_v2.Schema$QueryParameter;

function scalarType(value: Json): string {
  if (typeof value === 'boolean') return 'BOOL';
  if (typeof value === 'number') return Number.isInteger(value) ? 'INT64' : 'FLOAT64';
  return 'STRING';
}

function scalarValue(value: Json): bigquery_v2.Schema$QueryParameterValue {
  if (value === null) return {};
  return {
    value:
      typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value),
  };
}

/**
 * @example queryParameters({ date: '2024-01-01', min: 3 })
 * // → [{ name: 'date', parameterType: { type: 'STRING' }, parameterValue: { value: '2024-01-01' } }, { name: 'min', parameterType: { type: 'INT64' }, … }]
 */
export function queryParameters(input: Json): QueryParameter[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return [];
  return Object.entries(input).map(([name, value]) => {
    if (Array.isArray(value)) {
      const first = value.find((v) => v !== null) ?? '';
      const type =
        value.every((v) => typeof v === 'number') && value.some((v) => !Number.isInteger(v))
          ? 'FLOAT64'
          : scalarType(first);
      return {
        name,
        parameterType: { type: 'ARRAY', arrayType: { type } },
        parameterValue: { arrayValues: value.map(scalarValue) },
      };
    }
    return { name, parameterType: { type: scalarType(value) }, parameterValue: scalarValue(value) };
  });
}

/**
 * `project.dataset.table` or `dataset.table` as a TableReference.
 *
 * @example tableReference('reports.daily', 'p') // { projectId: 'p', datasetId: 'reports', tableId: 'daily' }
 */
export function tableReference(
  table: string,
  defaultProject: string,
): { projectId: string; datasetId: string; tableId: string } {
  const parts = table.split('.');
  const tableId = parts.pop() ?? '';
  const datasetId = parts.pop() ?? '';
  const projectId = parts.length > 0 ? parts.join('.') : defaultProject;
  return { projectId, datasetId, tableId };
}
