#!/usr/bin/env node
// Screenshots of the starter's built site with the system Chromium (puppeteer-core, pinned in
// package-lock.json; it downloads no browser), for make ghost-demo (scripts/ghost_demo.py).
//
//   node shot.cjs <chromium> <url> <png> [<url> <png> ...]
//
// The starter's lazy-image script loads lazysizes from a public CDN: that one request is answered
// from npm's lazysizes (pinned beside puppeteer-core), so images swap in offline. Every other
// request that leaves loopback is aborted and reported; the run fails if one was.
'use strict';

const fs = require('fs');
const path = require('path');
const puppeteer = require('puppeteer-core');

const LAZYSIZES = fs.readFileSync(require.resolve('lazysizes/lazysizes.min.js'));
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

async function main([executablePath, ...pairs]) {
    if (!executablePath || pairs.length === 0 || pairs.length % 2) {
        throw new Error('usage: node shot.cjs <chromium> <url> <png> [<url> <png> ...]');
    }
    const blocked = [];
    const browser = await puppeteer.launch({
        executablePath,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    try {
        const page = await browser.newPage();
        await page.setViewport({width: 1280, height: 900});
        await page.setRequestInterception(true);
        page.on('request', (request) => {
            const url = new URL(request.url());
            if (url.hostname === 'cdn.jsdelivr.net' && url.pathname.startsWith('/npm/lazysizes@5/')) {
                return request.respond({status: 200, contentType: 'application/javascript', body: LAZYSIZES});
            }
            if (LOCAL_HOSTS.has(url.hostname) || url.protocol === 'data:') {
                return request.continue();
            }
            blocked.push(request.url());
            return request.abort();
        });
        for (let i = 0; i < pairs.length; i += 2) {
            await page.goto(pairs[i], {waitUntil: 'networkidle0', timeout: 60000});
            // lazysizes loads images near the viewport only: scroll through once, then back
            await page.evaluate(async () => {
                for (let y = 0; y < document.body.scrollHeight; y += 400) {
                    window.scrollTo(0, y);
                    await new Promise((resolve) => setTimeout(resolve, 50));
                }
                window.scrollTo(0, 0);
            });
            await new Promise((resolve) => setTimeout(resolve, 500));
            await page.screenshot({path: path.resolve(pairs[i + 1]), fullPage: true});
            console.log(`${pairs[i]} -> ${pairs[i + 1]}`);
        }
    } finally {
        await browser.close();
    }
    if (blocked.length) {
        throw new Error(`requests that left loopback (aborted): ${blocked.join(', ')}`);
    }
}

main(process.argv.slice(2)).catch((error) => {
    console.error(error && error.stack ? error.stack : error);
    process.exit(1);
});
