/** What `tjs2i template` offers, apart from what makes the manifests (loaded only when it runs). */
export const FORMATS = ['openshift', 'kubernetes', 'jupyterhub'] as const;
export type TemplateFormat = (typeof FORMATS)[number];

/** The largest class --users takes. */
export const MAX_USERS = 100_000;
