"""Playing a stream on this machine through a command-line player, as it is synthesised: raw
16-bit mono PCM on the player's stdin, so the first sentence sounds while the rest is computed."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterable

from warmtts.audio.chunk import Chunk

# Tried in this order: PulseAudio/PipeWire, then ALSA, then FFmpeg's player. Each reads raw PCM.
PLAYERS: dict[str, Callable[[int], list[str]]] = {
    "paplay": lambda rate: ["--raw", "--format=s16le", "--channels=1", f"--rate={rate}"],
    "aplay": lambda rate: ["-q", "-t", "raw", "-f", "S16_LE", "-c", "1", "-r", str(rate), "-"],
    "ffplay": lambda rate: ["-nodisp", "-autoexit", "-loglevel", "error", "-f", "s16le", "-ar", str(rate), "-i", "-"],
}


def find_player() -> str | None:
    """The first player on PATH, or None if there is none."""
    return next((name for name in PLAYERS if shutil.which(name) is not None), None)


def player_command(name: str, sample_rate: int) -> list[str]:
    """How to start player `name` on raw PCM at `sample_rate` from its stdin."""
    return [shutil.which(name) or name, *PLAYERS[name](sample_rate)]


def play_chunks(chunks: Iterable[Chunk], command: list[str], on_chunk: Callable[[Chunk], None] = lambda c: None) -> float:
    """Feed every chunk to the player as it comes and wait for it to finish playing; returns the
    seconds of audio played. A player that quits early (closed, killed) stops the synthesis."""
    seconds = 0.0
    player = subprocess.Popen(command, stdin=subprocess.PIPE)
    assert player.stdin is not None
    try:
        for chunk in chunks:
            player.stdin.write(chunk.pcm.astype("<i2").tobytes())
            player.stdin.flush()
            seconds += chunk.seconds
            on_chunk(chunk)
        player.stdin.close()
        player.wait()
    except BrokenPipeError:
        player.wait()
    except BaseException:  # Ctrl-C: stop the sound too
        player.terminate()
        player.wait()
        raise
    if player.returncode:
        raise OSError(f"{command[0]} exited with status {player.returncode}")
    return seconds
