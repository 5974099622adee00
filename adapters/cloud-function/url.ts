/**
 * The URL of a Cloud Function target: its own `url`, else the `cloudfunctions.net` address both gen1
 * and gen2 functions answer on.
 */
import type { CloudFunctionTarget } from '../../engine/flow/model.ts';
import type { Location } from '../shared/location.ts';

/** How to address functions that do not state their URL (tests and local runs point this at the fake host). */
export type FunctionUrlResolver = (target: CloudFunctionTarget, location: Location) => string;

/** @example cloudFunctionsUrl({ name: 'fn', … }, { project: 'p', region: 'us-central1' }) === 'https://us-central1-p.cloudfunctions.net/fn' */
export const cloudFunctionsUrl: FunctionUrlResolver = (target, loc) =>
  `https://${loc.region}-${loc.project}.cloudfunctions.net/${encodeURIComponent(target.name)}`;
