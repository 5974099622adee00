/**
 * Where a target lives: the step's own `project_id` / `region`, else the deployment's defaults.
 */
import type { Target } from '../../engine/flow/model.ts';

/** Deployment-wide defaults for targets that do not name their project or region. */
export interface TargetDefaults {
  projectId?: string;
  region?: string;
}

export type Location = { project: string; region: string };

/**
 * @example resolveLocation({ type: 'Dataflow', name: 'wc', region: 'europe-west1', … }, { projectId: 'p' })
 * // → { project: 'p', region: 'europe-west1' }
 */
export function resolveLocation(target: Target, defaults: TargetDefaults): Location | { missing: string } {
  const project = target.project_id ?? defaults.projectId;
  const region = target.region ?? defaults.region;
  if (!project)
    return {
      missing: `target "${target.name}" has no project_id and no default project is configured (set project_id on the step or GOOGLE_CLOUD_PROJECT)`,
    };
  if (!region)
    return {
      missing: `target "${target.name}" has no region and no default region is configured (set region on the step or FIRESTEP_REGION)`,
    };
  return { project, region };
}
