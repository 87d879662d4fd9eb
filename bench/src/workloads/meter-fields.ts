import type { MeterReading } from '../host/resource-meter.ts';
import type { Measurement } from './types.ts';

/** The reliability fields every measurement carries, from the window that produced it. */
export function meterFields(reading: MeterReading | undefined): Pick<Measurement, 'loadgenCpuShare' | 'unreliable' | 'foreignLoad'> {
  if (!reading) return { loadgenCpuShare: Number.NaN, unreliable: false, foreignLoad: undefined };
  return { loadgenCpuShare: reading.loadgenCpuShare, unreliable: reading.unreliable, foreignLoad: reading.foreignLoad };
}

/**
 * The shared services' CPU per unit of work done in the window (`serviceCpuPer<Unit>`, summed), and each
 * service's (`<name>CpuPer<Unit>`, e.g. `redisCpuPerDelivery`); µs. Nothing per service without any.
 */
export function serviceCpuPer(reading: MeterReading, unit: string, units: number): Record<string, number> {
  const per = (ms: number): number => (units > 0 ? (ms * 1000) / units : Number.NaN);
  const out: Record<string, number> = { [`serviceCpuPer${unit}`]: per(reading.serviceCpuMs) };
  for (const [name, ms] of Object.entries(reading.serviceCpuMsByName)) out[`${name}CpuPer${unit}`] = per(ms);
  return out;
}
