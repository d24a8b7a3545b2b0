import { useEffect, useRef } from 'react';
import type { RgbaPicture } from '../../worker/api/runsApi';

/** Draws an RGBA picture from the worker at its native size; CSS sets the displayed size. */
export function Picture({ picture, alt, size }: { picture: RgbaPicture; alt: string; size: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    ctx.putImageData(new ImageData(new Uint8ClampedArray(picture.rgba), picture.width, picture.height), 0, 0);
  }, [picture]);
  return <canvas ref={ref} className="picture" width={picture.width} height={picture.height} style={{ width: size, height: size }} role="img" aria-label={alt} />;
}
