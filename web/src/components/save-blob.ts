// Saves a file fetched with the session's bearer token (never a key in a URL): the bytes come as a
// Blob and are handed to the browser through a short-lived object URL.
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.rel = "noopener";
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started by the next task; the URL is not needed after it.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The filename of a Content-Disposition header, or the fallback. */
export function attachmentName(header: string | null, fallback: string): string {
  const match = header ? /filename="?([^";]+)"?/i.exec(header) : null;
  return match?.[1] ?? fallback;
}
