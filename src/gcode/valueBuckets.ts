import { AdaptdError } from '../errors.js';

/**
 * Magnitudes from 10^minExponent to 10^maxExponent cut into `bucketsPerDecade` equal steps of
 * log10, mirrored for negative values, plus one bucket for zero.
 */
export interface SignedLogBucketSpec {
  scheme: 'signedLog';
  minExponent: number;
  maxExponent: number;
  bucketsPerDecade: number;
}

/**
 * Why these bounds, from the recorded runs (inch units): the CAM writes four decimals, so
 * 1e-4 in is the finest step (smallest non-zero magnitude seen: Z0.0003); the largest value is
 * the spindle speed S12000. Up to 1e5 leaves room for 24,000 rpm spindles and for mm programs,
 * whose positions and feeds are 25.4 times larger. Ten buckets per decade (steps of 26%, so at
 * most 12% off at a centre) keep the four feeds seen (F7.3, 13.3, 22, 40) and the step-downs
 * (Z0.025, 0.0394) apart while the data falls into 70 of the 181 buckets.
 */
export const DEFAULT_VALUE_BUCKETS: SignedLogBucketSpec = {
  scheme: 'signedLog',
  minExponent: -4,
  maxExponent: 5,
  bucketsPerDecade: 10,
};

/** Limits that keep every bucket label a plain decimal that lands back in its bucket. */
export const BUCKET_LIMITS = { minExponent: -6, maxExponent: 9, maxBucketsPerDecade: 50 };

export interface BucketAssignment {
  index: number;
  /** The value lay beyond the largest magnitude and was put in the outermost bucket. */
  clamped: boolean;
}

/** Quantises numbers into signed log-scale buckets; bucket order follows numeric order. */
export class SignedLogBuckets {
  readonly spec: SignedLogBucketSpec;
  readonly size: number;
  /** Label of each bucket: its centre as a decimal with three significant digits. */
  readonly labels: readonly string[];
  private readonly perSign: number;

  constructor(spec: SignedLogBucketSpec = DEFAULT_VALUE_BUCKETS) {
    const { minExponent, maxExponent, bucketsPerDecade } = spec;
    const valid =
      Number.isInteger(minExponent) &&
      Number.isInteger(maxExponent) &&
      Number.isInteger(bucketsPerDecade) &&
      minExponent >= BUCKET_LIMITS.minExponent &&
      maxExponent <= BUCKET_LIMITS.maxExponent &&
      minExponent < maxExponent &&
      bucketsPerDecade >= 1 &&
      bucketsPerDecade <= BUCKET_LIMITS.maxBucketsPerDecade;
    if (!valid) {
      throw new AdaptdError(
        'MODEL_INVALID',
        `value bucket spec ${JSON.stringify(spec)} is invalid; exponents must be integers with ` +
          `${BUCKET_LIMITS.minExponent} <= minExponent < maxExponent <= ${BUCKET_LIMITS.maxExponent}` +
          ` and bucketsPerDecade an integer from 1 to ${BUCKET_LIMITS.maxBucketsPerDecade}`,
        { context: { spec } },
      );
    }
    this.spec = { ...spec };
    this.perSign = (maxExponent - minExponent) * bucketsPerDecade;
    this.size = 2 * this.perSign + 1;
    this.labels = Array.from({ length: this.size }, (_, index) => this.formatCentre(index));
  }

  /** The bucket of a finite number; magnitudes below 10^minExponent count as zero. */
  assign(value: number): BucketAssignment {
    const { minExponent, bucketsPerDecade } = this.spec;
    const magnitude = Math.abs(value);
    if (!(magnitude >= 10 ** minExponent)) return { index: this.perSign, clamped: false };
    const step = Math.floor((Math.log10(magnitude) - minExponent) * bucketsPerDecade);
    const clamped = step >= this.perSign;
    const k = Math.min(step, this.perSign - 1);
    return { index: value > 0 ? this.perSign + 1 + k : this.perSign - 1 - k, clamped };
  }

  /** The number a bucket stands for: its label read back, so text and number always agree. */
  centre(index: number): number {
    const label = this.labels[index];
    if (label === undefined) {
      throw new AdaptdError(
        'GCODE_INVALID',
        `value bucket ${index} does not exist; buckets run from 0 to ${this.size - 1}`,
        { context: { index, size: this.size } },
      );
    }
    return Number(label);
  }

  private formatCentre(index: number): string {
    if (index === this.perSign) return '0';
    const { minExponent, bucketsPerDecade } = this.spec;
    const k = index > this.perSign ? index - this.perSign - 1 : this.perSign - 1 - index;
    const magnitude = 10 ** (minExponent + (k + 0.5) / bucketsPerDecade);
    // Three digits are within 0.5% of the geometric centre, far inside a bucket of >= 4.7%.
    const rounded = Number(magnitude.toPrecision(3));
    return String(index > this.perSign ? rounded : -rounded);
  }
}
