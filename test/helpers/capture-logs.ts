/**
 * Everything written to stdout and stderr while `work` runs (Powertools Logger writes JSON lines to
 * them), returned as text; nothing reaches the terminal. Restores the streams even on failure.
 */
export async function captureOutput(work: () => Promise<unknown>): Promise<string> {
  const chunks: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }),
  );
  try {
    await work();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return chunks.join('');
}
