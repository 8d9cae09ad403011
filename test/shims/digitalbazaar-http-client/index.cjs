'use strict'
// Test-only stand-in for @digitalbazaar/http-client 1.x: see package.json for why.
const DEFAULT_HEADERS = { Accept: 'application/ld+json, application/json' }

async function request(method, url, options = {}) {
  const { headers = {}, parseBody = true, json, body, redirect } = options
  const init = { method, headers: { ...DEFAULT_HEADERS, ...headers }, redirect: redirect ?? 'follow' }
  if (json !== undefined) {
    init.body = JSON.stringify(json)
    init.headers['Content-Type'] = 'application/json'
  } else if (body !== undefined) {
    init.body = body
  }
  const response = await fetch(url, init)
  if (!response.ok) {
    const error = new Error(`Request failed with status code ${response.status}`)
    error.response = response
    error.status = response.status
    const type = response.headers.get('content-type')
    if (type?.includes('json')) {
      error.data = await response.json()
      error.message = error.data.message || error.message
    }
    throw error
  }
  const type = response.headers.get('content-type')
  if (parseBody && type?.includes('json')) response.data = await response.json()
  return response
}

const httpClient = {}
for (const method of ['get', 'post', 'push', 'patch', 'head', 'delete']) {
  httpClient[method] = (url, options) => request(method.toUpperCase(), url, options)
}

module.exports = { httpClient, DEFAULT_HEADERS, default: { httpClient, DEFAULT_HEADERS } }
