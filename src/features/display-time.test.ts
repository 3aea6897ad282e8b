import { describe, expect, it } from 'vitest';
import { displayTime, durationText, isoTime } from './display-time.ts';

describe('timeline time formats', () => {
  it("formats Mydex's display examples in UTC", () => {
    expect(displayTime(1774540331)).toBe('26th March 2026, 3:52 pm');
    expect(displayTime(1774541713)).toBe('26th March 2026, 4:15 pm');
    expect(displayTime(1754289000)).toBe('4th August 2025, 6:30 am');
  });

  it('uses st, nd, rd and th, with 11th to 13th as th', () => {
    const day = (d: number) => displayTime(Date.UTC(2025, 0, d, 0, 5) / 1000).split(' ')[0];
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31].map(day)).toEqual([
      '1st',
      '2nd',
      '3rd',
      '4th',
      '11th',
      '12th',
      '13th',
      '21st',
      '22nd',
      '23rd',
      '31st',
    ]);
    expect(displayTime(Date.UTC(2025, 0, 1, 0, 5) / 1000)).toBe('1st January 2025, 12:05 am');
    expect(displayTime(Date.UTC(2025, 0, 1, 12, 0) / 1000)).toBe('1st January 2025, 12:00 pm');
  });

  it('writes ISO 8601 without milliseconds', () => {
    expect(isoTime(1754289000)).toBe('2025-08-04T06:30:00Z');
  });

  it('describes durations in days, hours and minutes', () => {
    expect(durationText(3600)).toBe('1 hour');
    expect(durationText(5400)).toBe('1 hour 30 minutes');
    expect(durationText(2 * 86400 + 7200 + 59)).toBe('2 days 2 hours');
    expect(durationText(0)).toBe('0 minutes');
  });
});
