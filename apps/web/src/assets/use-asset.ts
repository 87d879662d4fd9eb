import { useSessionClient } from '@dungeon-lab/client-react';
import { useEffect, useState } from 'react';

/**
 * Object URLs of the session's images, one per hash for the page's life:
 * images are content-addressed, so a hash's bytes never change. The bytes
 * come through the authenticated API (the service worker keeps a copy for
 * offline reloads); an <img> cannot send the bearer token itself.
 */
const urls = new Map<string, Promise<string | null>>();

function load(fetchAsset: () => Promise<Blob | null>, key: string): Promise<string | null> {
  let url = urls.get(key);
  if (url === undefined) {
    url = fetchAsset().then((blob) => (blob === null ? null : URL.createObjectURL(blob)));
    urls.set(key, url);
    // A failure (offline with nothing cached) is tried again next time it is asked for.
    void url.then((u) => {
      if (u === null) urls.delete(key);
    });
  }
  return url;
}

/** The URL to draw an image of this session with; null while it loads or when it cannot be had. */
export function useAssetUrl(hash: string | null): string | null {
  const client = useSessionClient();
  const key = hash === null ? null : `${client.sessionId}/${hash}`;
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    setUrl(null);
    if (hash === null || key === null || client.api === null) return;
    const api = client.api;
    let live = true;
    void load(async () => {
      const answer = await api.fetchAsset(client.sessionId, hash);
      return answer.ok ? answer.data : null;
    }, key).then((u) => {
      if (live) setUrl(u);
    });
    return () => {
      live = false;
    };
  }, [client, hash, key]);
  return url;
}
