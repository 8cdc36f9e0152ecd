// Where a request carries the token: the `?token=` query parameter of the start-up URL, the
// WebSocket and the image links the page builds. Never a cookie: browsers send a cookie to every
// port of its host, so any other local page would carry it too.

export const TOKEN_QUERY_PARAM = 'token';
