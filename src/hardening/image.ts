import { IConstruct } from 'constructs';
import { propError } from './errors';

/** A parsed, validated container image reference. */
export interface ImageReference {
  readonly image: string;
  /** The tag, if any. */
  readonly tag?: string;
  /** The digest (`sha256:...`), if any. */
  readonly digest?: string;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const REGISTRY = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;

/**
 * Validates an image reference: a version tag or a digest is required, and `latest` is
 * refused because it is mutable (the same manifest can run different code on every pull).
 */
export function checkImage(scope: IConstruct, prop: string, image: string): ImageReference {
  const fix = 'pin a version tag or a digest, e.g. "ghcr.io/acme/web:1.4.2" or "ghcr.io/acme/web@sha256:<64 hex>"';
  if (typeof image !== 'string' || image.trim() !== image || image === '') {
    throw propError(scope, prop, image, 'not an image reference', fix);
  }
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) {
      throw propError(scope, prop, image, 'the digest is not "sha256:" followed by 64 lower-case hex digits', fix);
    }
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) {
      throw propError(scope, prop, image, `the tag ${JSON.stringify(tag)} is not a valid tag`, fix);
    }
  }
  const parts = rest.split('/');
  const hasRegistry = parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost');
  const repository = hasRegistry ? parts.slice(1).join('/') : rest;
  if ((hasRegistry && !REGISTRY.test(parts[0])) || !REPOSITORY.test(repository)) {
    throw propError(scope, prop, image, 'not a valid image reference (registry/repository must be lower-case)', fix);
  }
  if (tag === 'latest') {
    throw propError(scope, prop, image, 'the tag "latest" is mutable: every pull may run different code and rollbacks are impossible', fix);
  }
  if (!tag && !digest) {
    throw propError(scope, prop, image, 'no tag or digest: the runtime pulls "latest", which is mutable', fix);
  }
  return { image, tag, digest };
}
