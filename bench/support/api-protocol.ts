/** Messages between a benchmark and its API child process (`api-process.ts`). */

export interface SocketBytes {
  read: number;
  written: number;
}

export interface ApiStats {
  /** `process.cpuUsage()` of the API process, in microseconds. */
  cpuMicros: NodeJS.CpuUsage;
  /** Sockets accepted by the API's HTTP server: everything clients send and receive. */
  httpServer: SocketBytes;
  /** Connections from the API to object storage. */
  storage: SocketBytes;
}

/** The source of `Image.url` values, switchable between benchmark rounds. */
export interface ViewUrlMode {
  /** False: every `url` field signs afresh, as on the first request of a window. */
  memo: boolean;
  /** `fast`: ViewUrlSigner; `sdk`: getSignedUrl for every URL. */
  signer: 'fast' | 'sdk';
}

export type ApiRequest =
  | { type: 'stats'; id: number }
  | { type: 'view-url-mode'; id: number; mode: ViewUrlMode }
  /** Runs a full garbage collection, so the next sample does not pay for the garbage of the one before. */
  | { type: 'collect-garbage'; id: number }
  /** Runs a background job once, as `npm run jobs:run` does. */
  | { type: 'run-job'; id: number; job: string }
  | { type: 'stop' };

export type ApiResponse =
  | { type: 'ready'; url: string; databaseUrl: string; s3Endpoint: string; bucket: string }
  | { type: 'failed'; message: string }
  | { type: 'stats'; id: number; stats: ApiStats }
  | { type: 'view-url-mode'; id: number }
  | { type: 'collect-garbage'; id: number }
  | { type: 'run-job'; id: number; result: JobRunReport };

export interface JobRunReport {
  /** False when the job did not run, with the reason in `error`. */
  ran: boolean;
  outcome?: string;
  counts?: Record<string, number>;
  error?: string;
  /** Wall time of the run in the API process. */
  milliseconds: number;
  /** DeleteObjects requests the API sent to storage during the run. */
  deleteRequests: number;
}
