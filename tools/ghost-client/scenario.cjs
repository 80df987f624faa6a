#!/usr/bin/env node
// Ghost's official Content API client (@tryghost/content-api, pinned in package-lock.json)
// against a Content API, with what a test needs to know: every call's result as JSON.
//
//   node tools/ghost-client/scenario.cjs < plan.json > results.json
//
// The plan (JSON on stdin): {"url", "key", "bad_key", "versions": ["v5.0", "v2"], "tag",
// "featured_tag", "author", "post_slug", "page_slug", "missing_slug", "page_limit"}.
// For each version the same calls run through `new GhostContentAPI({url, key, version})`; the
// output is {"<version>": {"<call>": <outcome>}}. An outcome is {"ok": true, "value": ...} or
// {"ok": false, "error": {name, message, type, context, status, path}}: the client's arrays come
// out as {"items": [...], "meta": ...} (JSON.stringify would drop the meta it attaches), a read's
// object as it is. tests/integration/test_ghost_client.py asserts on the output; this script only
// calls and records, so a server that answers wrongly shows in the test, with the data.
'use strict';

const axios = require('axios');
const GhostContentAPI = require('@tryghost/content-api');

// axios (the client's, the one copy in node_modules) waits forever by default: a server that
// never answers must fail the test, not hang it. The client's requests are otherwise untouched.
axios.defaults.timeout = 60000;

function outcome(value) {
    if (Array.isArray(value)) {
        return {ok: true, value: {items: value, meta: value.meta === undefined ? null : value.meta}};
    }
    return {ok: true, value};
}

function failure(error) {
    const response = error.response || {};
    const request = error.request || {};
    return {
        ok: false,
        error: {
            name: error.name,
            message: error.message,
            type: error.type === undefined ? null : error.type,
            context: error.context === undefined ? null : error.context,
            status: response.status === undefined ? null : response.status,
            // the path the client asked for (Node's ClientRequest): shows the version's prefix
            path: typeof request.path === 'string' ? request.path : null,
            body: response.data === undefined ? null : response.data,
        },
    };
}

async function record(results, name, call) {
    try {
        results[name] = outcome(await call());
    } catch (error) {
        results[name] = failure(error);
    }
    return results[name];
}

async function scenario(plan, version) {
    const results = {};
    const api = new GhostContentAPI({url: plan.url, key: plan.key, version});
    const badKey = new GhostContentAPI({url: plan.url, key: plan.bad_key, version});
    const limit = plan.page_limit;

    // posts: a two-page walk over the run's tag, following meta.pagination.next
    const first = await record(results, 'posts_page_1', () =>
        api.posts.browse({filter: `tag:${plan.tag}`, limit, include: 'tags,authors'}));
    const next = first.ok && first.value.meta && first.value.meta.pagination
        ? first.value.meta.pagination.next : null;
    if (next !== null) {
        await record(results, 'posts_page_2', () =>
            api.posts.browse({filter: `tag:${plan.tag}`, limit, page: next, include: 'tags,authors'}));
    }
    await record(results, 'posts_all', () =>
        api.posts.browse({filter: `tag:${plan.tag}`, limit: 'all', include: 'tags,authors'}));
    await record(results, 'posts_default', () => api.posts.browse());
    const browsed = first.ok && first.value.items.length ? first.value.items[0] : null;
    if (browsed !== null) {
        results.read_id_requested = browsed.id;
        await record(results, 'post_by_id', () =>
            api.posts.read({id: browsed.id}, {include: 'tags,authors'}));
    }
    await record(results, 'post_by_slug', () =>
        api.posts.read({slug: plan.post_slug}, {include: 'tags,authors', formats: 'html,plaintext'}));
    await record(results, 'posts_tag', () =>
        api.posts.browse({filter: `tag:${plan.featured_tag}`, limit: 'all'}));
    await record(results, 'posts_featured', () =>
        api.posts.browse({filter: 'featured:true', limit: 'all'}));
    await record(results, 'posts_featured_in_run', () =>
        api.posts.browse({filter: `featured:true+tag:${plan.tag}`, limit: 'all'}));
    await record(results, 'posts_author', () =>
        api.posts.browse({filter: `author:${plan.author}`, limit: 'all', include: 'authors'}));
    await record(results, 'posts_fields', () =>
        api.posts.browse({filter: `tag:${plan.tag}`, limit: 'all', fields: 'id,title,slug'}));
    await record(results, 'posts_formats', () =>
        api.posts.browse({filter: `tag:${plan.tag}`, limit: 'all', formats: 'html,plaintext'}));

    // pages, authors, tags, settings, tiers
    await record(results, 'pages', () => api.pages.browse({limit: 'all', include: 'authors'}));
    await record(results, 'page_by_slug', () =>
        api.pages.read({slug: plan.page_slug}, {include: 'authors'}));
    await record(results, 'authors', () =>
        api.authors.browse({limit: 'all', include: 'count.posts'}));
    await record(results, 'author_by_slug', () =>
        api.authors.read({slug: plan.author}, {include: 'count.posts'}));
    await record(results, 'tags', () => api.tags.browse({limit: 'all', include: 'count.posts'}));
    await record(results, 'tag_by_slug', () =>
        api.tags.read({slug: plan.tag}, {include: 'count.posts'}));
    await record(results, 'settings', () => api.settings.browse());
    await record(results, 'tiers', () => api.tiers.browse());

    // errors, as the client throws them
    await record(results, 'error_bad_key', () => badKey.posts.browse());
    await record(results, 'error_missing_post', () => api.posts.read({slug: plan.missing_slug}));
    await record(results, 'error_bad_filter', () => api.posts.browse({filter: 'tag:'}));
    return results;
}

async function main() {
    const chunks = [];
    for await (const chunk of process.stdin) chunks.push(chunk);
    const plan = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const output = {};
    for (const version of plan.versions) {
        output[version] = await scenario(plan, version);
    }
    process.stdout.write(JSON.stringify(output));
}

main().catch((error) => {
    console.error(error && error.stack ? error.stack : error);
    process.exit(2);
});
