/** An image or container id as docker shows it: 12 hex digits, without `sha256:`. */
export const shortId = (id: string) => id.replace('sha256:', '').slice(0, 12);
