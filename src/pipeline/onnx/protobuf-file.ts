// Walks protobuf messages in a file without loading it: an SD text encoder's model.onnx can be
// half a gigabyte of weights, and finding two small tensors in it should not cost that much memory.
// Reads go through one sliding window, so walking many small fields in order stays cheap.
import { open, type FileHandle } from 'node:fs/promises';
import { MAX_FIELD_HEADER_BYTES, ProtobufError, readFieldHeader, type WireField } from './protobuf-wire.js';

const WINDOW_BYTES = 1 << 20;

export class ProtobufFile {
  private window: Uint8Array = new Uint8Array(0);
  private windowStart = 0;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  static async open(path: string): Promise<ProtobufFile> {
    const handle = await open(path, 'r');
    try {
      return new ProtobufFile(path, handle, (await handle.stat()).size);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** The fields of the message stored in [start, end), one header read each. */
  async *fields(start = 0, end = this.size): AsyncGenerator<WireField> {
    let pos = start;
    while (pos < end) {
      const head = await this.view(pos, Math.min(MAX_FIELD_HEADER_BYTES, end - pos));
      const field = readFieldHeader(head, 0, pos);
      if (field.end > end) {
        throw new ProtobufError(`${this.path}: field ${field.field} at byte ${pos} runs past the end of its message`);
      }
      yield field;
      pos = field.end;
    }
  }

  /** Bytes [start, end) of the file; the returned array may be a view that the next read replaces. */
  async view(start: number, length: number): Promise<Uint8Array> {
    const offset = start - this.windowStart;
    if (offset >= 0 && offset + length <= this.window.length) return this.window.subarray(offset, offset + length);
    if (length > WINDOW_BYTES) return this.read(start, length);
    this.window = await this.readUpTo(start, Math.max(Math.min(WINDOW_BYTES, this.size - start), 0));
    this.windowStart = start;
    if (this.window.length < length) throw new ProtobufError(`${this.path}: unexpected end of file at byte ${start + this.window.length}`);
    return this.window.subarray(0, length);
  }

  /** A fresh copy of bytes [start, start + length). */
  async read(start: number, length: number): Promise<Uint8Array> {
    const bytes = await this.readUpTo(start, length);
    if (bytes.length < length) throw new ProtobufError(`${this.path}: unexpected end of file at byte ${start + bytes.length}`);
    return bytes;
  }

  private async readUpTo(start: number, length: number): Promise<Uint8Array> {
    const buffer = new Uint8Array(length);
    const { bytesRead } = await this.handle.read(buffer, 0, length, start);
    return buffer.subarray(0, bytesRead);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
