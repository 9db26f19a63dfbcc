/** setTimeout overflows above 2^31-1 ms and fires at once: every option that feeds a timer stays below. */
export const MAX_TIMER_MS = 2_147_483_647;
