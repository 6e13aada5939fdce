// The one public surface of @meterusage/meters: what a meter id is, what a new meter gets, and the
// user-facing names of the upload options, for grpc-server, the gateway and the CLI alike. The power
// rule is also its own entry, @meterusage/meters/power, for the dashboard (this one brings gRPC code).
export { powerFactor, powerUnitOf } from './power';
export { isMeterId, METER_DEFAULTS, METER_ID_PATTERN, METER_ID_RULE, UNIT_PATTERN, UNIT_RULE, type TimeLabelName } from './meter-rules';
export {
  CONFLICT_POLICIES,
  DEFAULT_CONFLICT_POLICY,
  DEFAULT_INGEST_MODE,
  enumOptions,
  INGEST_MODES,
  SCOPES,
  TIME_LABELS,
  type ConflictPolicyName,
  type EnumOptions,
  type IngestModeName,
  type ScopeName,
} from './enum-options';
