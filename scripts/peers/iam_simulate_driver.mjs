// Answer one question of scripts/bench-peers.sh with @cloud-copilot/iam-simulate 0.1.173.
//
//     node iam_simulate_driver.mjs NPM_PREFIX PLAN_JSON QUESTION OUT_JSONL
//
// NPM_PREFIX is the folder `npm install --prefix` installed the package into. One JSON line
// per policy file: {"file", "verdict": "violated"|"holds"|"error", "action"?, "message"?}.
//
// iam-simulate evaluates one concrete request (runSimulation). Every request here is made in
// its Discovery mode (SimulationOptions.simulationMode = 'Discovery'): a condition on a context
// key the request does not carry is unknown, an unknown condition of an Allow is assumed met
// and a Deny with an unknown condition is assumed not to apply — the "exists" reading, each
// condition taken on its own. A request is allowed iff overallResult === 'Allowed'. A
// simulation that returns resultType 'error' (the library's policy or request validation)
// makes the file's verdict "error".
//
// Every request carries the context keys AWS derives from its principal and resource and
// iam-simulate does not (aws:PrincipalArn, aws:PrincipalAccount, kms:CallerAccount, and
// aws:ResourceAccount on a key), declared known to Discovery mode
// (discoveryContextKeyConstraints: presence and value known), so that `${aws:PrincipalAccount}` in a Resource or a
// kms:CallerAccount condition reads what AWS would; every other key is left unknown.
//
// - Q1, Q2 (identity policies): the policy is the only identity policy of the holder role;
//   a request on a key also carries the key's default key policy (the account root allowed
//   kms:*), because iam-simulate, like KMS, honours IAM policies on a key only when its key
//   policy delegates to the account. Q1: violated iff kms:Decrypt or kms:ReEncryptFrom is
//   allowed on the probe key. Q2: violated iff every cataloged KMS action is allowed, asked in
//   keyward's CIS-KMS-STAR order, stopping at the first denied one; actions that take no key
//   are asked on resource "*" (no resource policy).
// - Q3 (key policies): the policy is the key's resource policy; the principal is the outsider
//   role, whose own identity policy allows everything (keyward assumes principals of other
//   accounts are allowed by their own IAM policies), in an organization no policy names
//   (aws:PrincipalOrgID). Violated iff some action that takes a key is allowed.
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'

const [npmPrefix, planPath, q, outPath] = process.argv.slice(2)
const require = createRequire(path.join(path.resolve(npmPrefix), 'node_modules', 'noop.js'))
const { runSimulation } = require('@cloud-copilot/iam-simulate')

const plan = JSON.parse(fs.readFileSync(planPath, 'utf8'))
const defaultKeyPolicy = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Enable IAM User Permissions',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${plan.owner_account}:root` },
      Action: 'kms:*',
      Resource: '*'
    }
  ]
}
const allowAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }

class SimError extends Error {}

async function allowed(sim) {
  // Discovery mode ignores a failing Allow condition even on a key the request carries,
  // unless the key is declared known: the keys given are.
  const discoveryContextKeyConstraints = Object.keys(sim.request.contextVariables).map((keyName) => ({
    keyName,
    presenceIsKnown: true,
    valueIsKnown: true
  }))
  const res = await runSimulation(sim, { simulationMode: 'Discovery', discoveryContextKeyConstraints })
  if (res.resultType === 'error') {
    throw new SimError(JSON.stringify(res.errors).slice(0, 300))
  }
  return res.overallResult === 'Allowed'
}

// The context keys AWS sets from the request's principal and resource, which iam-simulate
// does not fill in by itself (its README: "coming soon"); every other key stays unknown.
function ownKeys(principal, account, resourceAccount) {
  const keys = { 'aws:PrincipalArn': principal, 'aws:PrincipalAccount': account, 'kms:CallerAccount': account }
  if (resourceAccount) keys['aws:ResourceAccount'] = resourceAccount
  return keys
}

function identityRequest(doc, action, unscoped) {
  return {
    request: {
      principal: plan.holder,
      action,
      resource: { resource: unscoped ? '*' : plan.probe_key, accountId: plan.owner_account },
      contextVariables: ownKeys(plan.holder, plan.owner_account, unscoped ? undefined : plan.owner_account)
    },
    identityPolicies: [{ name: 'policy-under-test', policy: doc }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: unscoped ? undefined : defaultKeyPolicy
  }
}

async function answer(doc) {
  if (q === 'Q1') {
    for (const a of plan.q1_actions) {
      if (await allowed(identityRequest(doc, a, false))) return ['violated', a]
    }
    return ['holds', null]
  }
  if (q === 'Q2') {
    for (const a of plan.star_order) {
      if (!(await allowed(identityRequest(doc, a.action, a.unscoped)))) return ['holds', a.action]
    }
    return ['violated', null]
  }
  if (q === 'Q3') {
    for (const a of plan.key_actions) {
      const sim = {
        request: {
          principal: plan.outsider,
          action: a,
          resource: { resource: plan.owner_key, accountId: plan.owner_account },
          contextVariables: {
            ...ownKeys(plan.outsider, plan.outsider_account, plan.owner_account),
            'aws:PrincipalOrgID': plan.outsider_org
          }
        },
        identityPolicies: [{ name: 'outsider-allows-all', policy: allowAll }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: doc
      }
      if (await allowed(sim)) return ['violated', a]
    }
    return ['holds', null]
  }
  throw new Error(`unknown question ${q}`)
}

const out = fs.openSync(outPath, 'w')
for (const [rel, file] of plan.questions[q].files) {
  const line = { file: rel }
  try {
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'))
    const [verdict, action] = await answer(doc)
    line.verdict = verdict
    if (action) line.action = action
  } catch (e) {
    line.verdict = 'error'
    line.message = `${e.constructor.name}: ${e.message}`.slice(0, 300)
  }
  fs.writeSync(out, JSON.stringify(line) + '\n')
}
fs.closeSync(out)
