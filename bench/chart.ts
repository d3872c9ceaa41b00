/**
 * Draws the end-to-end results as an SVG: four panels (add and echo,
 * sequential and pipelined), each with one group of bars per transport and
 * one bar per layer, the raw framed echo first, each bar labelled with its
 * calls/s and its share of the raw echo.
 *
 * ```sh
 * deno task bench:rpc --json docs/benchmarks.json
 * deno task bench:chart                       # docs/benchmarks.json → docs/benchmarks.svg
 * deno task bench:chart --in r.json --out r.svg --codec json
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { Report, Row } from "./rpc.ts";

/** The layers drawn, in bar order, with their colours and the codec they use. */
const SERIES = [
  { layer: "raw", label: "raw framed echo", color: "#9e9e9e" },
  { layer: "channel", label: "denomas channel", color: "#90caf9" },
  { layer: "rpc", label: "denomas RPC", color: "#1e88e5" },
  { layer: "agent", label: "denomas agent", color: "#0d47a1" },
  { layer: "birpc", label: "birpc 4.2.0", color: "#ffb74d" },
  { layer: "capnweb", label: "Cap'n Web 0.12.0 (JSON)", color: "#e65100" },
] as const;

const PANELS = [
  { workload: "add", mode: "seq", title: "add(1, 2), sequential" },
  { workload: "add", mode: "pipe", title: "add(1, 2), 100 in flight" },
  { workload: "echo", mode: "seq", title: "echo(10 KiB), sequential" },
  { workload: "echo", mode: "pipe", title: "echo(10 KiB), 100 in flight" },
] as const;

const TRANSPORTS = ["tcp", "unix", "tls"] as const;
const TRANSPORT_LABEL = { tcp: "TCP", unix: "Unix socket", tls: "mutual TLS" };

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function short(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(n >= 1e5 ? 0 : n >= 1e4 ? 0 : 1)}k`;
  return n.toFixed(0);
}

/** A "nice" axis maximum and tick step above `max`. */
function axis(max: number): { top: number; step: number } {
  const raw = max / 4;
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  return { top: Math.ceil(max / step) * step, step };
}

/** Renders the report as an SVG document. */
export function renderChart(report: Report, codec: string): string {
  const pick = (layer: string, transport: string, workload: string, mode: string) =>
    report.rows.find((r: Row) =>
      r.layer === layer && r.transport === transport && r.workload === workload &&
      r.mode === mode &&
      (layer === "raw" || r.codec === (layer === "capnweb" ? "json" : codec))
    );
  const series = SERIES.filter((s) => report.rows.some((r) => r.layer === s.layer));
  const panelW = 560, panelH = 300, pad = { l: 64, r: 16, t: 34, b: 40 };
  const cols = 2, legendH = 56, titleH = 44, footH = 40;
  const width = cols * panelW + 20;
  const height = titleH + legendH + 2 * panelH + footH;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${
      width / 2
    }" y="26" text-anchor="middle" font-size="18" font-weight="bold">denomas end to end: calls per second (higher is better), ${
      esc(codec)
    } codec</text>`,
  );
  // Legend.
  let lx = 20;
  for (const s of series) {
    out.push(
      `<rect x="${lx}" y="${titleH + 10}" width="14" height="14" fill="${s.color}"/>`,
      `<text x="${lx + 20}" y="${titleH + 22}">${esc(s.label)}</text>`,
    );
    lx += 34 + s.label.length * 7;
  }
  out.push(
    `<text x="20" y="${
      titleH + 44
    }" fill="#555">Bar labels: calls/s and, under it, the share of the raw echo measured in turns with that bar (same transport, same run); the grey bar is the best raw run.</text>`,
  );
  PANELS.forEach((panel, i) => {
    const x0 = 10 + (i % cols) * panelW;
    const y0 = titleH + legendH + Math.floor(i / cols) * panelH;
    const plotW = panelW - pad.l - pad.r, plotH = panelH - pad.t - pad.b;
    const values = TRANSPORTS.flatMap((t) =>
      series.map((s) => pick(s.layer, t, panel.workload, panel.mode)?.callsPerSec ?? 0)
    );
    const { top, step } = axis(Math.max(...values, 1));
    const y = (v: number) => y0 + pad.t + plotH - (v / top) * plotH;
    out.push(
      `<text x="${x0 + pad.l}" y="${y0 + 20}" font-size="14" font-weight="bold">${
        esc(panel.title)
      }</text>`,
    );
    for (let v = 0; v <= top + 1e-9; v += step) {
      out.push(
        `<line x1="${x0 + pad.l}" x2="${x0 + pad.l + plotW}" y1="${y(v)}" y2="${
          y(v)
        }" stroke="#e0e0e0"/>`,
        `<text x="${x0 + pad.l - 6}" y="${y(v) + 4}" text-anchor="end" fill="#555">${
          short(v)
        }</text>`,
      );
    }
    const groupW = plotW / TRANSPORTS.length;
    const barW = Math.min(28, (groupW - 16) / series.length);
    TRANSPORTS.forEach((t, g) => {
      const gx = x0 + pad.l + g * groupW + (groupW - barW * series.length) / 2;
      series.forEach((s, b) => {
        const r = pick(s.layer, t, panel.workload, panel.mode);
        if (!r) return;
        const bx = gx + b * barW;
        const by = y(r.callsPerSec);
        out.push(
          `<rect x="${bx.toFixed(1)}" y="${by.toFixed(1)}" width="${
            (barW - 2).toFixed(1)
          }" height="${(y(0) - by).toFixed(1)}" fill="${s.color}"><title>${esc(s.label)}, ${t}: ${
            Math.round(r.callsPerSec).toLocaleString("en-US")
          } calls/s${
            r.ofRaw !== undefined ? `, ${Math.round(r.ofRaw * 100)}% of raw` : ""
          }</title></rect>`,
          `<text x="${(bx + barW / 2 - 1).toFixed(1)}" y="${
            (by - 14).toFixed(1)
          }" text-anchor="middle" font-size="9">${short(r.callsPerSec)}</text>`,
        );
        if (s.layer !== "raw" && r.ofRaw !== undefined) {
          out.push(
            `<text x="${(bx + barW / 2 - 1).toFixed(1)}" y="${
              (by - 4).toFixed(1)
            }" text-anchor="middle" font-size="9" fill="#555">${Math.round(r.ofRaw * 100)}%</text>`,
          );
        }
      });
      out.push(
        `<text x="${x0 + pad.l + g * groupW + groupW / 2}" y="${
          y0 + pad.t + plotH + 18
        }" text-anchor="middle" font-size="13">${TRANSPORT_LABEL[t]}</text>`,
      );
    });
    out.push(
      `<line x1="${x0 + pad.l}" x2="${x0 + pad.l + plotW}" y1="${y(0)}" y2="${
        y(0)
      }" stroke="#333"/>`,
    );
  });
  const m = report.machine;
  out.push(
    `<text x="20" y="${height - 14}" fill="#555">${
      esc(
        `${m.cpu}, ${m.cores} cores, Deno ${m.deno}; separate client and server processes; ${report.options.seconds} s per case, best of ${report.options.repeat} in turns with the raw echo; load ${
          report.load.start.toFixed(1)
        } → ${report.load.end.toFixed(1)}; ${report.date.slice(0, 16).replace("T", " ")} UTC`,
      )
    }</text>`,
    `</svg>`,
  );
  return out.join("\n") + "\n";
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      in: { type: "string", default: new URL("../docs/benchmarks.json", import.meta.url).pathname },
      out: { type: "string", default: new URL("../docs/benchmarks.svg", import.meta.url).pathname },
      codec: { type: "string", default: "msgpack" },
    },
  });

  const report = JSON.parse(await Deno.readTextFile(values.in)) as Report;
  await Deno.writeTextFile(values.out, renderChart(report, values.codec));
  console.log(`wrote ${values.out}`);
}
