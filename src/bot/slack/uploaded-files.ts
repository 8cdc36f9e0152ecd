// Reads what files.uploadV2 answered: the file ids and, when Slack reports them already, the ts of
// the messages that share them (Slack may fill `shares` in later, so they can be missing).

export interface UploadedFiles {
  readonly fileIds: readonly string[];
  readonly shareTs: readonly string[];
}

interface FileShare {
  readonly ts?: unknown;
}

interface UploadedFile {
  readonly id?: unknown;
  readonly shares?: Readonly<Record<string, Readonly<Record<string, readonly FileShare[]>>>>;
}

export function uploadedFiles(response: unknown): UploadedFiles {
  const fileIds: string[] = [];
  const shareTs = new Set<string>();
  const completions = (response as { files?: unknown }).files;
  for (const completion of Array.isArray(completions) ? completions : []) {
    const files = (completion as { files?: unknown }).files;
    for (const file of (Array.isArray(files) ? files : []) as UploadedFile[]) {
      if (typeof file.id === 'string') fileIds.push(file.id);
      for (const byChannel of Object.values(file.shares ?? {})) {
        for (const shares of Object.values(byChannel)) {
          for (const share of shares) if (typeof share.ts === 'string') shareTs.add(share.ts);
        }
      }
    }
  }
  return { fileIds, shareTs: [...shareTs] };
}
