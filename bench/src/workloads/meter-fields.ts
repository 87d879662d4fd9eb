import type { MeterReading } from '../host/resource-meter.ts';
import type { Measurement } from './types.ts';

/** The reliability fields every measurement carries, from the window that produced it. */
export function meterFields(reading: MeterReading | undefined): Pick<Measurement, 'loadgenCpuShare' | 'unreliable' | 'foreignLoad'> {
  if (!reading) return { loadgenCpuShare: Number.NaN, unreliable: false, foreignLoad: undefined };
  return { loadgenCpuShare: reading.loadgenCpuShare, unreliable: reading.unreliable, foreignLoad: reading.foreignLoad };
}
