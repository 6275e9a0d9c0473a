import { useEffect, useRef, useState } from 'react';

export const replayStepMs = 900;

export interface Replay {
  version: number;
  maxVersion: number;
  playing: boolean;
  goTo: (version: number) => void;
  back: () => void;
  forward: () => void;
  togglePlay: () => void;
}

/** A cursor over versions 1..maxVersion that follows the newest version until moved. */
export function useReplay(maxVersion: number): Replay {
  const [version, setVersion] = useState(maxVersion);
  const [playing, setPlaying] = useState(false);
  const following = useRef(true);

  useEffect(() => {
    if (following.current) setVersion(maxVersion);
  }, [maxVersion]);

  useEffect(() => {
    if (!playing) return;
    const timer = setInterval(() => {
      setVersion((current) => {
        if (current >= maxVersion) {
          setPlaying(false);
          return current;
        }
        return current + 1;
      });
    }, replayStepMs);
    return () => clearInterval(timer);
  }, [playing, maxVersion]);

  const goTo = (target: number) => {
    const bounded = Math.max(Math.min(target, maxVersion), Math.min(1, maxVersion));
    following.current = bounded === maxVersion;
    setVersion(bounded);
  };
  return {
    version: Math.min(version, maxVersion),
    maxVersion,
    playing,
    goTo,
    back: () => goTo(version - 1),
    forward: () => goTo(version + 1),
    togglePlay: () => {
      if (!playing && version >= maxVersion) goTo(1);
      following.current = false;
      setPlaying(!playing);
    },
  };
}
