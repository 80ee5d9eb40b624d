/**
 * The storage port of recordings, apart from the service so that a storage implementation (S3) and
 * the service that picks it do not import each other.
 * @packageDocumentation
 */

/** Where finished recordings are kept beyond the local directory. */
export interface RecordingStorage {
  /** `local`, `s3`, … (stored with the file). */
  readonly kind: string;
  /** Takes a finished local file; may keep it or move it (e.g. queue an upload). */
  store(appID: number, fileName: string, localPath: string): Promise<void>;
  /** Deletes a stored file (retention, DELETE). */
  remove(appID: number, fileName: string, localPath: string): Promise<void>;
  /** Reads a stored file whose local copy is gone (downloads); `range` is an HTTP Range value. */
  read?(
    appID: number,
    fileName: string,
    range?: string,
  ): Promise<{ body: NodeJS.ReadableStream; size: number; range?: string }>;
  /** Resumes queued work (after a restart). */
  kick?(): void;
  /** Stops background work. */
  close?(): void;
}
