/**
 * Colours only on a terminal: the palette is picocolors' when the stream is a TTY (and NO_COLOR is
 * unset), and identity functions otherwise, so piped output and tests see plain text.
 */
import pc from 'picocolors';

export type Colors = ReturnType<typeof pc.createColors>;

/** A writable text stream as the CLI uses it (process.stdout, or a buffer in tests). */
export interface TextOut {
  write(text: string): unknown;
  isTTY?: boolean;
  /** Terminal width, when a terminal. */
  columns?: number;
}

/**
 * The palette for one output stream.
 *
 * @example const colors = colorsFor(process.stdout); colors.green('SUCCEEDED')
 */
export function colorsFor(out: TextOut): Colors {
  return pc.createColors(out.isTTY === true && !process.env.NO_COLOR);
}

/** The two output streams a command writes to (the process's, or buffers in tests). */
export interface Io {
  stdout: TextOut;
  stderr: TextOut;
}

/** The process's own streams. */
export function processIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr };
}
