export { startApp, startGrpcServer, startNodeProcess, WORKSPACE_ROOT, type AppProcess, type LogLine } from './app-process';
export { readmeShellExamples, runReadmeExample } from './readme-examples';
export { adminDatabaseUrl, createTestDatabase, runAdmin, type TestDatabase } from './database';
export { readSampleCsv, SAMPLE_CSV_PATH, type SampleRow } from './sample-csv';
export { freePort } from './free-port';
export { scratchDirectory } from './scratch-directory';
export { loadSyntheticReadings, type SyntheticDataCounts, type SyntheticDataOptions } from './synthetic-data';
export {
  benchAdminUrl,
  cpuProfileEnv,
  CPU_PROFILE_PRELOAD,
  integerOption,
  recreateBenchDatabase,
  redactUrl,
  runAdminStatement,
  stopBenchProcess,
} from './bench-setup';
export {
  expectEqual,
  formatMs,
  formatRate,
  latencyStatsOf,
  machineCpuSeconds,
  measureRounds,
  processCpuSeconds,
  processMemoryMb,
  quantileOfSorted,
  resetPeakMemory,
  sampleMemory,
  statsOf,
  timed,
  type LatencyStats,
  type MemorySamples,
  type Stats,
  type TimedStep,
} from './bench-stats';
export { createScratchCluster, type ScratchCluster } from './scratch-cluster';
export { terminateConnections, waitUntil } from './faults';
export { createTestCertificates, type TestCertificates } from './tls-certificates';
export { counterTotal, prometheusPortOf } from './prometheus-scrape';
export { createKeyWithCli, runKeysCli, type CliResult } from './keys-cli';
