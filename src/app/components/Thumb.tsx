import { useEffect, useRef } from 'react';
import type { Thumbnail } from '../../worker/api/trainingApi';

/** Draws an RGBA thumbnail at its native size; CSS scales it (pixelated for tiny images). */
export function Thumb({ thumb, size, alt }: { thumb: Thumbnail; size: number; alt: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    ctx.putImageData(new ImageData(new Uint8ClampedArray(thumb.rgba), thumb.width, thumb.height), 0, 0);
  }, [thumb]);
  return (
    <canvas
      ref={ref}
      className="thumb"
      width={thumb.width}
      height={thumb.height}
      style={{ width: size, height: size }}
      role="img"
      aria-label={alt}
    />
  );
}
