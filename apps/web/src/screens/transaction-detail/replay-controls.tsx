import type { Replay } from './use-replay.ts';

export function ReplayControls({ replay }: { replay: Replay }) {
  const { version, maxVersion, playing } = replay;
  const empty = maxVersion < 1;
  return (
    <div className="replay-controls" data-testid="replay-controls">
      <button
        type="button"
        onClick={() => replay.goTo(1)}
        disabled={empty || version <= 1}
        title="first version"
        data-testid="replay-first"
      >
        |◀
      </button>
      <button type="button" onClick={replay.back} disabled={empty || version <= 1} title="step back" data-testid="replay-back">
        ◀ back
      </button>
      <button
        type="button"
        className="primary"
        onClick={replay.togglePlay}
        disabled={empty}
        data-testid="replay-play"
        data-playing={playing}
      >
        {playing ? '❚❚ pause' : '▶ play'}
      </button>
      <button
        type="button"
        onClick={replay.forward}
        disabled={empty || version >= maxVersion}
        title="step forward"
        data-testid="replay-forward"
      >
        forward ▶
      </button>
      <button
        type="button"
        onClick={() => replay.goTo(maxVersion)}
        disabled={empty || version >= maxVersion}
        title="latest version"
        data-testid="replay-last"
      >
        ▶|
      </button>
      <input
        type="range"
        min={Math.min(1, maxVersion)}
        max={maxVersion}
        step={1}
        value={version}
        disabled={empty}
        onChange={(change) => replay.goTo(Number(change.target.value))}
        data-testid="replay-slider"
        aria-label="version"
      />
      <span className="mono replay-version" data-testid="replay-version" data-version={version} data-max-version={maxVersion}>
        v{version} / {maxVersion}
      </span>
    </div>
  );
}
