// uPlot in React: a chart is rebuilt when its data or options change.
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export function Chart({
  options,
  data,
  label,
}: {
  options: Omit<uPlot.Options, "width" | "height">;
  data: uPlot.AlignedData;
  label: string;
}) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const node = el.current;
    if (!node) return;
    const width = Math.max(260, Math.min(node.clientWidth || 600, 720));
    const plot = new uPlot({ ...options, width, height: 220 }, data, node);
    return () => plot.destroy();
  }, [options, data]);
  return <div ref={el} className="chart" role="img" aria-label={label} />;
}
