/** The label on every container `tjs2i check` makes (all removed when the check ends). */
export const CHECK_LABEL = 'io.tjs2i.check';
