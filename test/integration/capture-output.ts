/**
 * Captures what the process writes to stdout and stderr (the structured logs) until `restore()`: for tests
 * that assert what was, or was not, logged.
 */
export function captureOutput(): { captured: string[]; restore(): void } {
  const captured: string[] = [];
  const writes = { out: process.stdout.write, err: process.stderr.write };
  const capture = (chunk: string | Uint8Array): boolean => {
    captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  return {
    captured,
    restore() {
      process.stdout.write = writes.out;
      process.stderr.write = writes.err;
    },
  };
}
