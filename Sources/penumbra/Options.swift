import ArgumentParser
import Datasets
import NeuralProcesses

extension NeuralProcessKind: ExpressibleByArgument {}
extension AttentionKind: ExpressibleByArgument {}
extension NeuralProcessArchitecture: ExpressibleByArgument {}
extension CurveProtocol: ExpressibleByArgument {}
extension CurveKernel: ExpressibleByArgument {}
extension LatentDraws: ExpressibleByArgument {}
