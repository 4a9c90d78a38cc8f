let maxHeap = 0, maxExt = 0, maxAb = 0;
setInterval(() => { const m = process.memoryUsage(); maxHeap = Math.max(maxHeap, m.heapUsed); maxExt = Math.max(maxExt, m.external); maxAb = Math.max(maxAb, m.arrayBuffers); }, 200).unref();
process.on('exit', () => console.error('maxHeapUsed', (maxHeap/1e6).toFixed(0), 'maxExternal', (maxExt/1e6).toFixed(0), 'maxArrayBuffers', (maxAb/1e6).toFixed(0)));
