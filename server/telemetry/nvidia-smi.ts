// Parser for `nvidia-smi --query-gpu=<QUERY_FIELDS> --format=csv,noheader,nounits` output: one line per GPU per
// sample, comma+space separated, no quoting. Field order is fixed by QUERY_FIELDS; parsing is positional.
import type { GpuSample } from '../../src/lib/contract/telemetry';

export type { GpuSample };

/** The fields asked of nvidia-smi, in output order. `clocks.sm` is printed as `clocks.current.sm` in headers. */
export const QUERY_FIELDS = [
	'index',
	'uuid',
	'name',
	'utilization.gpu',
	'utilization.memory',
	'memory.used',
	'memory.total',
	'temperature.gpu',
	'power.draw',
	'power.limit',
	'fan.speed',
	'clocks.sm',
	'pstate'
] as const;

const MIB = 1024 * 1024;

/** Arguments for a long-lived child that prints one line per GPU every `intervalMs` (`-lms`). */
export function nvidiaSmiArgs(intervalMs: number): string[] {
	const args = [`--query-gpu=${QUERY_FIELDS.join(',')}`, '--format=csv,noheader,nounits'];
	if (intervalMs > 0) args.push('-lms', String(Math.max(1, Math.round(intervalMs))));
	return args;
}

export class NvidiaSmiParseError extends Error {
	constructor(
		message: string,
		readonly line: string
	) {
		super(message);
		this.name = 'NvidiaSmiParseError';
	}
}

/**
 * nvidia-smi's way of saying "no value". Every bracketed word is one ([N/A], [Not Supported], [Unknown Error],
 * [Insufficient Permissions], [GPU requires reset]); plain N/A and an empty field appear too.
 */
function isMissing(raw: string): boolean {
	return raw === '' || raw === 'N/A' || (raw.startsWith('[') && raw.endsWith(']'));
}

// Units are stripped so a data row from a `--format=csv` (with units) query parses the same way.
const NUMBER_WITH_OPTIONAL_UNIT = /^(-?\d+(?:\.\d+)?)(?:\s*(?:%|MiB|W|MHz|C))?$/;

function parseNumber(raw: string, field: string, line: string): number | null {
	if (isMissing(raw)) return null;
	const match = NUMBER_WITH_OPTIONAL_UNIT.exec(raw);
	if (!match) throw new NvidiaSmiParseError(`nvidia-smi field ${field}: "${raw}" is not a number`, line);
	return Number(match[1]);
}

function parseMiB(raw: string, field: string, line: string): number | null {
	const mib = parseNumber(raw, field, line);
	return mib === null ? null : mib * MIB;
}

/** Parses one data line. Throws NvidiaSmiParseError when the line is not a row of QUERY_FIELDS. */
export function parseNvidiaSmiLine(line: string): GpuSample {
	const trimmed = line.trim();
	const parts = trimmed.split(',').map((p) => p.trim());
	if (parts.length < QUERY_FIELDS.length) {
		throw new NvidiaSmiParseError(
			`nvidia-smi line has ${parts.length} fields, expected ${QUERY_FIELDS.length} (${QUERY_FIELDS.join(',')})`,
			line
		);
	}
	// The name is the only free-text field; if it ever holds a comma, the extra parts belong to it.
	const extra = parts.length - QUERY_FIELDS.length;
	const name = parts.slice(2, 3 + extra).join(', ');
	const [rawIndex, uuid] = parts;
	const rest = parts.slice(3 + extra);
	const [util, memUtil, memUsed, memTotal, temp, powerDraw, powerLimit, fan, smClock, pstate] = rest;

	const index = parseNumber(rawIndex, 'index', line);
	if (index === null || !Number.isInteger(index) || index < 0) {
		throw new NvidiaSmiParseError(`nvidia-smi field index: "${rawIndex}" is not a GPU index`, line);
	}
	if (isMissing(uuid)) throw new NvidiaSmiParseError('nvidia-smi field uuid is missing', line);

	return {
		index,
		uuid,
		name,
		utilizationPercent: parseNumber(util, 'utilization.gpu', line),
		memoryUtilizationPercent: parseNumber(memUtil, 'utilization.memory', line),
		vramUsedBytes: parseMiB(memUsed, 'memory.used', line),
		vramTotalBytes: parseMiB(memTotal, 'memory.total', line),
		temperatureC: parseNumber(temp, 'temperature.gpu', line),
		powerDrawW: parseNumber(powerDraw, 'power.draw', line),
		powerLimitW: parseNumber(powerLimit, 'power.limit', line),
		fanPercent: parseNumber(fan, 'fan.speed', line),
		smClockMhz: parseNumber(smClock, 'clocks.sm', line),
		pstate: isMissing(pstate) ? null : pstate
	};
}

/** A header row (`index, uuid, ...`) as printed without `noheader`. */
export function isHeaderLine(line: string): boolean {
	return /^\s*index\s*,/.test(line);
}

// nvidia-smi prints this (and exits 2) when asked for a field this driver does not know. Restarting won't help.
const INVALID_FIELD = /Field "([^"]+)" is not a valid field to query/;

/** The unknown field's name when `text` is nvidia-smi's invalid-field complaint, else null. */
export function parseInvalidFieldError(text: string): string | null {
	return INVALID_FIELD.exec(text)?.[1] ?? null;
}

export interface ParsedNvidiaSmiOutput {
	samples: GpuSample[];
	/** Lines that were neither blank, a header nor a valid row, with the reason. */
	rejected: { line: string; reason: string }[];
	/** Set when the output is nvidia-smi's invalid-field error. */
	invalidField: string | null;
}

/** Parses a whole output (one or several samples of one or several GPUs). Never throws. */
export function parseNvidiaSmiOutput(text: string): ParsedNvidiaSmiOutput {
	const result: ParsedNvidiaSmiOutput = { samples: [], rejected: [], invalidField: parseInvalidFieldError(text) };
	for (const line of text.split(/\r?\n/)) {
		if (line.trim() === '' || isHeaderLine(line)) continue;
		try {
			result.samples.push(parseNvidiaSmiLine(line));
		} catch (err) {
			result.rejected.push({ line, reason: err instanceof Error ? err.message : String(err) });
		}
	}
	return result;
}
