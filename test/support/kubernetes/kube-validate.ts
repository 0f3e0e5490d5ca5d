/**
 * Validation of Kubernetes objects with kubernetes-models (JSON schemas generated from the
 * Kubernetes OpenAPI definitions): each object is validated as its apiVersion/kind. Unknown kinds
 * are an error, so an OpenShift object cannot slip through here unchecked.
 */
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';

interface Validatable {
  validate(): void;
}
type Constructor = new (data: never) => Validatable;

const MODELS: Record<string, Constructor> = {
  'apps/v1/Deployment': Deployment as unknown as Constructor,
  'networking.k8s.io/v1/Ingress': Ingress as unknown as Constructor,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim as unknown as Constructor,
  'v1/Secret': Secret as unknown as Constructor,
  'v1/Service': Service as unknown as Constructor,
};

export const KUBERNETES_KINDS = Object.keys(MODELS).map((key) => key.split('/').pop()!);

/** Errors of one object ([] when valid). */
export function kubernetesErrors(object: { apiVersion?: unknown; kind?: unknown }): string[] {
  const model = MODELS[`${String(object.apiVersion)}/${String(object.kind)}`];
  if (!model) return [`${String(object.apiVersion)} ${String(object.kind)} is not a Kubernetes kind known to these tests`];
  try {
    new model(object as never).validate();
    return [];
  } catch (error) {
    return [(error as Error).message];
  }
}
