// The upload panel's choices: the option names the API takes come from the contract's enums
// (through @meterusage/meters, types only: nothing of it reaches the bundle), so a policy added
// to or renamed in the contract fails the typecheck here until it has a label.
import type { ConflictPolicyName, IngestModeName } from '@meterusage/meters';

/** on_conflict: what a row whose interval is stored with another value does. The API's default first. */
export const CONFLICT_POLICY_LABELS: Readonly<Record<ConflictPolicyName, string>> = {
  update: 'Replace it (update)',
  skip: 'Keep it (skip)',
  reject: 'Reject the row',
};

/** mode: whether one rejected row stops the whole upload. The API's default first. */
export const INGEST_MODE_LABELS: Readonly<Record<IngestModeName, string>> = {
  atomic: 'Write nothing (atomic)',
  partial: 'Write the valid rows (partial)',
};
