import { CandlestickSeries, ColorType, createChart, HistogramSeries, type IChartApi, type ISeriesApi, type UTCTimestamp } from 'lightweight-charts';
import { useEffect, useRef, useState } from 'react';
import type { Interval } from '../App';
import { INTERVALS } from '../App';
import { apiRequest } from '../lib/api';
import { cmp, toChartNumber } from '../lib/decimal';
import type { Emitter } from '../lib/emitter';
import type { Candle } from '../lib/types';

export type CandleFeed = Emitter<{ channel: string; kind: 'snapshot' | 'update'; candles: Candle[] }>;

const UP = '#22c55e';
const DOWN = '#ef4444';
const HISTORY = 500;

/**
 * Candles with volume: the history over REST, then the live channel's snapshot and changed candles on top. Here,
 * and only here, decimal strings become numbers: the chart library draws with floats (toChartNumber).
 */
export function CandleChart(props: { symbol: string; interval: Interval; onInterval: (i: Interval) => void; feed: CandleFeed; marketDataPath: string }) {
  const { symbol, interval, feed, marketDataPath } = props;
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<{ api: IChartApi; candles: ISeriesApi<'Candlestick'>; volume: ISeriesApi<'Histogram'> } | null>(null);
  const [bars, setBars] = useState(0);
  const [last, setLast] = useState<Candle | null>(null);

  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    // The library's logo injects an inline <style>, which the page's CSP refuses: the attribution is the text link
    // in the panel's head instead (lightweight-charts' license allows either).
    const api = createChart(el, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: 'transparent' }, textColor: '#9aa4b2', fontSize: 11, attributionLogo: false },
      grid: { vertLines: { color: '#1c2330' }, horzLines: { color: '#1c2330' } },
      rightPriceScale: { borderColor: '#263041' },
      timeScale: { borderColor: '#263041', timeVisible: true, secondsVisible: false },
      crosshair: { mode: 0 },
    });
    const candles = api.addSeries(CandlestickSeries, { upColor: UP, downColor: DOWN, borderVisible: false, wickUpColor: UP, wickDownColor: DOWN });
    const volume = api.addSeries(HistogramSeries, { priceScaleId: 'volume', priceFormat: { type: 'volume' }, lastValueVisible: false, priceLineVisible: false });
    api.priceScale('volume').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    candles.priceScale().applyOptions({ scaleMargins: { top: 0.08, bottom: 0.25 } });
    chart.current = { api, candles, volume };
    return () => {
      chart.current = null;
      api.remove();
    };
  }, []);

  useEffect(() => {
    const byTime = new Map<number, Candle>();
    let lastTime = -1;
    let cancelled = false;
    const pending: Candle[] = [];
    let historyLoaded = false;

    const point = (c: Candle) => {
      const time = Math.floor(Date.parse(c.openTime) / 1000) as UTCTimestamp;
      return {
        candle: { time, open: toChartNumber(c.open), high: toChartNumber(c.high), low: toChartNumber(c.low), close: toChartNumber(c.close) },
        volume: { time, value: toChartNumber(c.volume), color: cmp(c.close, c.open) >= 0 ? 'rgba(34,197,94,0.35)' : 'rgba(239,68,68,0.35)' },
      };
    };
    const redraw = () => {
      const all = [...byTime.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => point(c));
      chart.current?.candles.setData(all.map((p) => p.candle));
      chart.current?.volume.setData(all.map((p) => p.volume));
      lastTime = all.at(-1)?.candle.time ?? -1;
      setBars(all.length);
    };
    const put = (list: Candle[], bulk: boolean) => {
      let needsRedraw = bulk;
      for (const c of list) {
        const p = point(c);
        byTime.set(p.candle.time, c);
        if (!bulk) {
          if (p.candle.time >= lastTime && chart.current !== null) {
            chart.current.candles.update(p.candle);
            chart.current.volume.update(p.volume);
            if (p.candle.time > lastTime) setBars(byTime.size);
            lastTime = p.candle.time;
          } else needsRedraw = true;
        }
      }
      if (needsRedraw) redraw();
      const newest = [...byTime.entries()].reduce<[number, Candle] | null>((a, b) => (a === null || b[0] > a[0] ? b : a), null);
      setLast(newest?.[1] ?? null);
    };

    setBars(0);
    setLast(null);
    chart.current?.candles.setData([]);
    chart.current?.volume.setData([]);
    const channel = `candles:${symbol}:${interval}`;
    const off = feed.on((event) => {
      if (event.channel !== channel) return;
      if (!historyLoaded) pending.push(...event.candles);
      else put(event.candles, event.kind === 'snapshot');
    });
    apiRequest<{ candles: Candle[] }>(`${marketDataPath}/candles/${encodeURIComponent(symbol)}?interval=${interval}&limit=${HISTORY}`)
      .then((answer) => {
        if (cancelled) return;
        historyLoaded = true;
        put([...answer.candles, ...pending], true);
        chart.current?.api.timeScale().fitContent();
      })
      .catch(() => {
        if (cancelled) return;
        historyLoaded = true;
        put(pending, true);
      });
    return () => {
      cancelled = true;
      off();
    };
  }, [symbol, interval, feed, marketDataPath]);

  return (
    <section className="panel chart-panel" aria-labelledby="chart-heading">
      <div className="panel-head">
        <h2 id="chart-heading">Chart</h2>
        <div className="segmented" role="group" aria-label="Candle interval">
          {INTERVALS.map((i) => (
            <button key={i} type="button" aria-pressed={i === interval} onClick={() => props.onInterval(i)}>
              {i}
            </button>
          ))}
        </div>
        {last !== null && (
          <span className="ohlc" aria-label="Last candle">
            O <b>{last.open}</b> H <b>{last.high}</b> L <b>{last.low}</b> C <b>{last.close}</b> V <b>{last.volume}</b>
          </span>
        )}
        <a className="attribution" href="https://www.tradingview.com/" target="_blank" rel="noopener noreferrer">
          Charts by TradingView
        </a>
      </div>
      <div ref={box} className="chart" role="img" aria-label={`${symbol} ${interval} candlestick chart with volume, ${bars} candles`} data-testid="candle-chart" data-bars={bars} />
    </section>
  );
}
