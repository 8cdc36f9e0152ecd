// One line per invalid environment variable, naming it, for the start-up error of each adapter.
import type { z } from 'zod';

export function envProblems(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}
