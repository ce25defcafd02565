/**
 * The part of tfjs-node's kernel backend that ferry's native kernels call: a leaf that the loader,
 * the gradients, the pooling and Adam all import.
 *
 * @module
 */

import type * as tf from "@tensorflow/tfjs";

/** One attribute of a TensorFlow op, as tfjs-node's binding takes it. */
export interface OpAttr {
  name: string;
  type: number;
  value: unknown;
}

/** What tfjs-node's binding returns for each output of an op: a TensorFlow handle id. */
export interface OpOutput {
  id: number;
  shape: number[];
  dtype: number;
}

/** The part of tfjs-node's `NodeJSKernelBackend` ferry calls to run TensorFlow ops eagerly. */
export interface NativeKernelBackend {
  binding: {
    TF_Version?: string;
    TF_ATTR_TYPE: number;
    TF_ATTR_INT: number;
    TF_ATTR_FLOAT: number;
    TF_ATTR_STRING: number;
    TF_ATTR_BOOL: number;
    TF_ATTR_SHAPE: number;
    TF_FLOAT: number;
    TF_INT64: number;
    executeOp(name: string, attrs: OpAttr[], inputIds: number[], numOutputs: number): OpOutput[];
    deleteTensor(id: number): void;
  };
  executeSingleOutput(name: string, attrs: OpAttr[], inputs: tf.Tensor[]): tf.Tensor;
  executeMultipleOutputs(
    name: string,
    attrs: OpAttr[],
    inputs: tf.Tensor[],
    numOutputs: number,
  ): tf.Tensor[];
  getInputTensorIds(inputs: tf.Tensor[]): number[];
  createOutputTensor(output: OpOutput): tf.Tensor;
}
