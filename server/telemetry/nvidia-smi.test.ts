import { describe, expect, it } from 'vitest';
import {
	NvidiaSmiParseError,
	QUERY_FIELDS,
	nvidiaSmiArgs,
	parseInvalidFieldError,
	parseNvidiaSmiLine,
	parseNvidiaSmiOutput
} from './nvidia-smi';
import { gpuSampleSchema } from '../../src/lib/contract/telemetry';
import { readFixture } from '../../tests/helpers/telemetry';

const MIB = 1024 * 1024;
const H100_UUID = 'GPU-9e9d9fa0-dbb6-b571-a98b-0d7d9eb0e855';
const H100_NAME = 'NVIDIA H100 80GB HBM3';

describe('nvidia-smi parser on output captured from an H100', () => {
	it('parses the single noheader line into typed values, MiB as bytes and [N/A] as null', () => {
		const { samples, rejected } = parseNvidiaSmiOutput(readFixture('query-noheader.csv'));
		expect(rejected).toEqual([]);
		expect(samples).toEqual([
			{
				index: 0,
				uuid: H100_UUID,
				name: H100_NAME,
				utilizationPercent: 0,
				memoryUtilizationPercent: 0,
				vramUsedBytes: 0,
				vramTotalBytes: 81559 * MIB,
				temperatureC: 43,
				powerDrawW: 127.04,
				powerLimitW: 700,
				fanPercent: null,
				smClockMhz: 1980,
				pstate: 'P0'
			}
		]);
		expect(gpuSampleSchema.parse(samples[0])).toEqual(samples[0]);
	});

	it('parses the six -lms 500 samples in order', () => {
		const { samples, rejected } = parseNvidiaSmiOutput(readFixture('query-lms.csv'));
		expect(rejected).toEqual([]);
		expect(samples.map((s) => s.temperatureC)).toEqual([43, 42, 42, 41, 41, 41]);
		expect(samples.map((s) => s.powerDrawW)).toEqual([127.05, 116.22, 89.6, 72.21, 72.17, 72.11]);
		expect(samples.map((s) => s.smClockMhz)).toEqual([1980, 375, 345, 345, 345, 345]);
		expect(new Set(samples.map((s) => s.index))).toEqual(new Set([0]));
		expect(samples.every((s) => s.fanPercent === null)).toBe(true);
	});

	it('skips the header and strips units in the csv-with-units capture', () => {
		const { samples, rejected } = parseNvidiaSmiOutput(readFixture('query-header.csv'));
		expect(rejected).toEqual([]);
		expect(samples).toHaveLength(1);
		expect(samples[0]).toMatchObject({
			utilizationPercent: 0,
			vramTotalBytes: 81559 * MIB,
			powerDrawW: 127.05,
			powerLimitW: 700,
			fanPercent: null,
			smClockMhz: 1980,
			pstate: 'P0'
		});
	});

	it('parses the derived two-GPU fixture into two samples keyed by index', () => {
		const { samples, rejected } = parseNvidiaSmiOutput(readFixture('query-multi-gpu.csv'));
		expect(rejected).toEqual([]);
		expect(samples.map((s) => [s.index, s.temperatureC, s.smClockMhz])).toEqual([
			[0, 43, 1980],
			[1, 41, 345]
		]);
	});

	it('rejects query-na.csv: it has 6 fields, not a row of our 13-field query', () => {
		const { samples, rejected } = parseNvidiaSmiOutput(readFixture('query-na.csv'));
		expect(samples).toEqual([]);
		expect(rejected).toHaveLength(1);
		expect(rejected[0].reason).toMatch(/6 fields, expected 13/);
	});

	it('recognises the invalid-field error (nvidia-smi exits 2)', () => {
		const text = readFixture('query-bad.txt');
		expect(parseInvalidFieldError(text)).toBe('bogus.field');
		const parsed = parseNvidiaSmiOutput(text);
		expect(parsed.invalidField).toBe('bogus.field');
		expect(parsed.samples).toEqual([]);
		expect(parseInvalidFieldError(readFixture('query-noheader.csv'))).toBeNull();
	});

	it('finds no samples in outputs that are not query rows (table, -L, notes)', () => {
		for (const name of ['nvidia-smi.txt', 'list.txt', 'lms-rate.txt']) {
			const parsed = parseNvidiaSmiOutput(readFixture(name));
			expect(parsed.samples, name).toEqual([]);
			expect(parsed.rejected.length, name).toBeGreaterThan(0);
			expect(parsed.invalidField, name).toBeNull();
		}
	});
});

describe('nvidia-smi parser edge cases (variants of the real line)', () => {
	const real = readFixture('query-noheader.csv').trim();
	const withField = (i: number, value: string) => {
		const parts = real.split(', ');
		parts[i] = value;
		return parts.join(', ');
	};

	it.each(['[N/A]', '[Not Supported]', 'N/A', '', '[Unknown Error]'])('reads %j as null', (missing) => {
		const sample = parseNvidiaSmiLine(withField(8, missing));
		expect(sample.powerDrawW).toBeNull();
		expect(sample.powerLimitW).toBe(700);
		expect(parseNvidiaSmiLine(withField(12, missing)).pstate).toBeNull();
		expect(parseNvidiaSmiLine(withField(5, missing)).vramUsedBytes).toBeNull();
	});

	it('throws a parse error for a non-numeric value or a missing index', () => {
		expect(() => parseNvidiaSmiLine(withField(7, 'hot'))).toThrow(NvidiaSmiParseError);
		expect(() => parseNvidiaSmiLine(withField(7, 'hot'))).toThrow(/temperature\.gpu/);
		expect(() => parseNvidiaSmiLine(withField(0, '[N/A]'))).toThrow(/index/);
	});

	it('keeps a name containing a comma whole', () => {
		const sample = parseNvidiaSmiLine(withField(2, 'Tesla, Rev B'));
		expect(sample.name).toBe('Tesla, Rev B');
		expect(sample.smClockMhz).toBe(1980);
	});

	it('accepts CRLF line endings', () => {
		expect(parseNvidiaSmiOutput(`${real}\r\n${real}\r\n`).samples).toHaveLength(2);
	});
});

describe('nvidiaSmiArgs', () => {
	it('asks for the documented field list in csv without header or units, looping with -lms', () => {
		expect(QUERY_FIELDS.join(',')).toBe(
			'index,uuid,name,utilization.gpu,utilization.memory,memory.used,memory.total,temperature.gpu,power.draw,power.limit,fan.speed,clocks.sm,pstate'
		);
		expect(nvidiaSmiArgs(500)).toEqual([`--query-gpu=${QUERY_FIELDS.join(',')}`, '--format=csv,noheader,nounits', '-lms', '500']);
		expect(nvidiaSmiArgs(0)).not.toContain('-lms');
	});
});
