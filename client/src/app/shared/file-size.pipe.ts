import { Pipe, PipeTransform } from '@angular/core';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/**
 * Formats a byte count in binary units (1 KiB = 1024 bytes), for example `2.4 MiB`. The API sets
 * limits in powers of 1024, so a 1 GiB quota reads as `1 GiB` and not `1.1 GB`.
 */
export function formatFileSize(bytes: number): string {
  let value = bytes;
  let unitIndex = 0;
  while (value >= 1024 && unitIndex < UNITS.length - 1) {
    value /= 1024;
    unitIndex++;
  }
  const rounded = unitIndex === 0 || value >= 100 ? Math.round(value) : Math.round(value * 10) / 10;
  return `${rounded} ${UNITS[unitIndex]}`;
}

@Pipe({ name: 'fileSize' })
export class FileSizePipe implements PipeTransform {
  transform(bytes: number | null | undefined): string {
    return typeof bytes === 'number' ? formatFileSize(bytes) : '';
  }
}
