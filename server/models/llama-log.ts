// llama.cpp says what it allocates for a model in log lines at info level ("CPU KV buffer size = 8.00 MiB"). Those
// figures are what a loaded model really holds (weights, KV cache, compute and output buffers), so the manager reserves
// them instead of GgufInsights' simulation. Every Llama instance of a process shares one native logger, so one router
// per process receives every line; a capture open around one load collects that load's lines.
import { getLlama, LlamaLogLevel, type Llama } from 'node-llama-cpp';
import type { Footprint } from './loader';

export type BufferKind = 'model' | 'kv' | 'compute' | 'output';

export interface BufferLine {
	kind: BufferKind;
	/** llama.cpp's buffer type: CPU, CPU_Mapped, CUDA0, CUDA_Host, Metal, Vulkan0, … */
	device: string;
	bytes: number;
}

const BUFFER_LINE = /(\S+)\s+(model|KV|compute|output)\s+buffer size\s*=\s*([\d.]+)\s*MiB/;
const MIB = 1024 * 1024;

export function parseBufferLine(message: string): BufferLine | undefined {
	const match = BUFFER_LINE.exec(message);
	if (!match) return undefined;
	const [, device, kind, mib] = match;
	return { kind: kind === 'KV' ? 'kv' : (kind as BufferKind), device, bytes: Math.round(Number(mib) * MIB) };
}

/** Host memory: the CPU buffers and the pinned host buffers of a GPU backend (CUDA_Host); the rest is device memory. */
const inHostMemory = (device: string) => /^CPU/i.test(device) || /_Host$/i.test(device);

/** A load's lines as a footprint; undefined unless the weights, the KV cache and the compute buffer were all reported. */
export function footprintOf(lines: BufferLine[]): Footprint | undefined {
	const kinds = new Set(lines.map((l) => l.kind));
	if (!kinds.has('model') || !kinds.has('kv') || !kinds.has('compute')) return undefined;
	let ramBytes = 0;
	let vramBytes = 0;
	for (const line of lines) {
		if (inHostMemory(line.device)) ramBytes += line.bytes;
		else vramBytes += line.bytes;
	}
	return { ramBytes, vramBytes };
}

export interface BufferCapture {
	/** The footprint llama.cpp reported since the capture opened; undefined when incomplete or mixed with another load's. */
	close(): Promise<Footprint | undefined>;
}

type Forward = (level: 'warn' | 'error', message: string) => void;

export class LlamaLogRouter {
	private readonly open = new Set<{ lines: BufferLine[]; overlapped: boolean }>();
	/** Where llama.cpp's warnings and errors go (the app's logger); the last model service to start sets it. */
	forward: Forward = (level, message) => console[level](`[llama.cpp] ${message}`);

	readonly logger = (level: LlamaLogLevel, message: string) => {
		if (level === LlamaLogLevel.warn) this.forward('warn', message);
		else if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) this.forward('error', message);
		if (this.open.size === 0) return;
		const line = parseBufferLine(message);
		if (line) for (const capture of this.open) capture.lines.push(line);
	};

	capture(): BufferCapture {
		const capture = { lines: [] as BufferLine[], overlapped: false };
		// Lines carry no model name: two loads at once cannot tell theirs apart, so neither trusts them.
		for (const other of this.open) other.overlapped = capture.overlapped = true;
		this.open.add(capture);
		return {
			close: async () => {
				// Native log lines reach JavaScript through a queue: let the ones written before this point arrive.
				await new Promise((resolve) => setImmediate(resolve));
				this.open.delete(capture);
				return capture.overlapped ? undefined : footprintOf(capture.lines);
			}
		};
	}
}

/** The process's router: every Llama the app creates logs through it. */
export const llamaLogs = new LlamaLogRouter();

/** The app's llama.cpp binding: prebuilt binaries only (never compiles or downloads), logging through `llamaLogs`. */
export function openLlama(gpu: 'auto' | false = 'auto'): Promise<Llama> {
	return getLlama({ build: 'never', gpu, logLevel: LlamaLogLevel.info, logger: llamaLogs.logger });
}
