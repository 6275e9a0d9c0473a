/**
 * A URL as it may be logged: the value of every query parameter whose name, decoded, speaks of a
 * token is left out. The name is decoded as the query parser decodes it (`%74oken` is `token`,
 * `+` a space), so no spelling the server accepts as a credential reaches the log.
 */
export function redactedUrl(url: string): string {
  const queryAt = url.indexOf('?');
  if (queryAt < 0) return url;
  const parameters = url
    .slice(queryAt + 1)
    .split('&')
    .map((parameter) => {
      const equalsAt = parameter.indexOf('=');
      const rawName = equalsAt < 0 ? parameter : parameter.slice(0, equalsAt);
      return /token/i.test(decodedName(rawName)) ? `${rawName}=[redacted]` : parameter;
    });
  return `${url.slice(0, queryAt)}?${parameters.join('&')}`;
}

/** Percent-escapes decoded one byte at a time (a broken one stays as it is), `+` as a space. */
function decodedName(rawName: string): string {
  return rawName.replaceAll('+', ' ').replace(/%([0-9a-f]{2})/gi, (_escape, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}
