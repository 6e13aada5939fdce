// The "Download CSV" link. Without a key it stays a plain link, so the browser streams the file to
// disk. With a key the request must carry it as a header, which a link cannot (and a key in the URL
// would be kept by history and logs): the file is then fetched and handed to the browser as a blob.
import { exportUrl, fetchExport } from './api';
import { storedKey } from './access-key';
import type { ViewState } from './url-state';

/** Long enough for the browser to have read the blob after click(). */
const REVOKE_AFTER_MS = 60_000;

export function createExportLink(link: HTMLAnchorElement, { view, onError }: { view: () => ViewState; onError: (error: unknown) => void }) {
  let downloading = false;
  link.addEventListener('click', (event) => {
    if (storedKey() === undefined) return;
    event.preventDefault();
    if (downloading) return;
    downloading = true;
    link.setAttribute('aria-busy', 'true');
    fetchExport(view())
      .then(({ file, fileName }) => saveFile(file, fileName), onError)
      .finally(() => {
        downloading = false;
        link.removeAttribute('aria-busy');
      });
  });

  return {
    /** Points the link at the view's export. */
    sync(state: ViewState): void {
      link.href = exportUrl(state);
    },
  };
}

function saveFile(file: Blob, fileName: string): void {
  const url = URL.createObjectURL(file);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  anchor.hidden = true;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
}
