// Failures of a model download, each naming the file and what the operator can do about it.

export class DownloadError extends Error {
  override readonly name: string = 'DownloadError';
  constructor(
    message: string,
    /** Path inside the model folder, when one file is at fault. */
    readonly file?: string,
  ) {
    super(message);
  }
}

/** The connection broke or the server sent fewer bytes; the `.part` file is kept for a resume. */
export class IncompleteDownloadError extends DownloadError {
  override readonly name = 'IncompleteDownloadError';
}

/** The bytes did not match the size or hash the Hub lists; the bad file has been removed. */
export class CorruptDownloadError extends DownloadError {
  override readonly name = 'CorruptDownloadError';
}
