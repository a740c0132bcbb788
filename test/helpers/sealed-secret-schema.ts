/*
 * Hand validation of a SealedSecret against the structure of the bitnami.com/v1alpha1 CRD
 * (helm/sealed-secrets/crds/bitnami.com_sealedsecrets.yaml, with `template.immutable` of
 * current releases). @kubernetes-models/sealed-secrets is not a dependency of this project.
 */
export function sealedSecretSchemaErrors(doc: any): string[] {
  const errors: string[] = [];
  const isMap = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  const onlyKeys = (where: string, v: any, allowed: string[]) => {
    for (const k of Object.keys(v)) if (!allowed.includes(k)) errors.push(`${where}: unknown field ${k}`);
  };
  const stringMap = (where: string, v: unknown) => {
    if (!isMap(v)) return errors.push(`${where}: not an object`);
    for (const [k, x] of Object.entries(v as object)) if (typeof x !== 'string') errors.push(`${where}.${k}: not a string`);
    return undefined;
  };
  const objectMeta = (where: string, m: any) => {
    if (!isMap(m)) return errors.push(`${where}: not an object`);
    onlyKeys(where, m, ['name', 'namespace', 'labels', 'annotations']);
    for (const k of ['name', 'namespace']) if (k in m && typeof m[k] !== 'string') errors.push(`${where}.${k}: not a string`);
    if ('labels' in m) stringMap(`${where}.labels`, m.labels);
    if ('annotations' in m) stringMap(`${where}.annotations`, m.annotations);
    return undefined;
  };
  onlyKeys('', doc, ['apiVersion', 'kind', 'metadata', 'spec']);
  if (doc.apiVersion !== 'bitnami.com/v1alpha1') errors.push('apiVersion is not bitnami.com/v1alpha1');
  if (doc.kind !== 'SealedSecret') errors.push('kind is not SealedSecret');
  objectMeta('metadata', doc.metadata);
  if (typeof doc.metadata?.name !== 'string') errors.push('metadata.name missing');
  if (!isMap(doc.spec)) return [...errors, 'spec missing (required)'];
  onlyKeys('spec', doc.spec, ['encryptedData', 'template', 'data']);
  if (!('encryptedData' in doc.spec)) errors.push('spec.encryptedData missing (required)');
  else stringMap('spec.encryptedData', doc.spec.encryptedData);
  if ('data' in doc.spec) errors.push('spec.data is deprecated and must not be emitted');
  const t = doc.spec.template;
  if (t !== undefined) {
    if (!isMap(t)) return [...errors, 'spec.template: not an object'];
    onlyKeys('spec.template', t, ['data', 'immutable', 'metadata', 'type']);
    if ('metadata' in t) objectMeta('spec.template.metadata', t.metadata);
    if ('type' in t && typeof t.type !== 'string') errors.push('spec.template.type: not a string');
    if ('immutable' in t && typeof t.immutable !== 'boolean') errors.push('spec.template.immutable: not a boolean');
    if ('data' in t && t.data !== null) stringMap('spec.template.data', t.data);
  }
  return errors;
}
