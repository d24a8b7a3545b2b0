/** Offers bytes or text as a file download (the object URL is freed once the browser has it). */
export function saveDownload(name: string, mime: string, data: ArrayBuffer | string): void {
  const url = URL.createObjectURL(new Blob([data], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
