/** Invalid doctor options (a bad URL, a non-positive pool size): the CLI prints usage and exits 2. */
export class DoctorUsageError extends Error {
  readonly code = 'GONEAWAY_DOCTOR_USAGE';

  constructor(message: string) {
    super(message);
    this.name = 'DoctorUsageError';
  }
}

/** Compares `code`, not `instanceof`, so two copies of the package agree. */
export function isDoctorUsageError(error: unknown): error is DoctorUsageError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === 'GONEAWAY_DOCTOR_USAGE'
  );
}
