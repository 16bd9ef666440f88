/**
 * Evaluation metrics for the downstream tasks: segmentation ({@link org.mflag.eval.SegmentationMetrics}),
 * classification ({@link org.mflag.eval.ClassificationMetrics}) and detection ({@link org.mflag.data.Box},
 * {@link org.mflag.eval.DetectionMetrics}). Plain JDK code, no ImageJ or TensorFlow.
 */
package org.mflag.eval;
