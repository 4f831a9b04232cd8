import ArgumentParser
import Datasets
import NeuralProcesses
import Uncertainty

extension NeuralProcessKind: ExpressibleByArgument {}
extension AttentionKind: ExpressibleByArgument {}
extension NeuralProcessArchitecture: ExpressibleByArgument {}
extension CurveProtocol: ExpressibleByArgument {}
extension CurveKernel: ExpressibleByArgument {}
extension LatentDraws: ExpressibleByArgument {}
extension ImageOODEvaluationKind.Detector: ExpressibleByArgument {}
