import Torch

/// Base class of every layer and model.
///
/// Subclasses declare parameters as stored `Tensor` properties, buffers (state that is
/// saved but not trained, like running statistics) with `@Buffer`, and submodules as
/// stored `Module` properties or arrays of modules. They are found by reflection and named
/// like PyTorch's `state_dict`: property names in snake_case, array elements by index
/// (`encoder.layers.0.weight`), so checkpoints read the same in both worlds.
open class Module {
  /// True in training mode (dropout active, batch norm uses batch statistics).
  public private(set) var isTraining = true

  public init() {}

  // MARK: Discovery

  /// One reflected member of a module.
  enum Member {
    case parameter(Tensor)
    case buffer(Tensor)
    case module(Module)
  }

  /// Properties whose elements are named without the property's name, as `nn.Sequential`
  /// names its children `0`, `1`, ... (so a PyTorch state dict loads unchanged).
  open class var unnamedContainers: Set<String> { [] }

  /// Direct members in declaration order (superclass members first).
  func members() -> [(name: String, member: Member)] {
    var mirrors: [Mirror] = []
    var mirror: Mirror? = Mirror(reflecting: self)
    while let current = mirror {
      mirrors.insert(current, at: 0)
      mirror = current.superclassMirror
    }
    var found: [(String, Member)] = []
    for mirror in mirrors {
      for child in mirror.children {
        guard let label = child.label else { continue }
        let name = Module.stateName(label)
        if Self.unnamedContainers.contains(name) {
          for (index, element) in Mirror(reflecting: child.value).children.enumerated() {
            Module.collect(element.value, name: "\(index)", into: &found)
          }
        } else {
          Module.collect(child.value, name: name, into: &found)
        }
      }
    }
    return found
  }

  private static func collect(_ value: Any, name: String, into found: inout [(String, Member)]) {
    switch value {
    case let tensor as Tensor:
      found.append((name, .parameter(tensor)))
    case let buffer as Buffer:
      found.append((name, .buffer(buffer.wrappedValue)))
    case let module as Module:
      found.append((name, .module(module)))
    default:
      let mirror = Mirror(reflecting: value)
      switch mirror.displayStyle {
      case .optional:
        if let wrapped = mirror.children.first { collect(wrapped.value, name: name, into: &found) }
      case .collection:
        for (index, element) in mirror.children.enumerated() {
          collect(element.value, name: "\(name).\(index)", into: &found)
        }
      default:
        break
      }
    }
  }

  /// `runningMean` → `running_mean`; a property wrapper's `_name` → `name`.
  static func stateName(_ label: String) -> String {
    let trimmed = label.hasPrefix("_") ? String(label.dropFirst()) : label
    var result = ""
    for character in trimmed {
      if character.isUppercase {
        if !result.isEmpty { result.append("_") }
        result.append(contentsOf: character.lowercased())
      } else {
        result.append(character)
      }
    }
    return result
  }

  /// Submodules with their dotted names, depth first, this module first (named "").
  public func namedModules(prefix: String = "") -> [(name: String, module: Module)] {
    var result: [(String, Module)] = [(prefix, self)]
    for (name, member) in members() {
      if case .module(let child) = member {
        result += child.namedModules(prefix: prefix.isEmpty ? name : "\(prefix).\(name)")
      }
    }
    return result
  }

  /// Parameters with dotted names, in declaration order.
  public func namedParameters() -> [(name: String, tensor: Tensor)] {
    namedTensors(includeParameters: true, includeBuffers: false)
  }

  /// Buffers with dotted names, in declaration order.
  public func namedBuffers() -> [(name: String, tensor: Tensor)] {
    namedTensors(includeParameters: false, includeBuffers: true)
  }

  /// Every parameter (frozen ones included).
  public func parameters() -> [Tensor] { namedParameters().map(\.tensor) }

  /// Parameters that currently require gradients.
  public func trainableParameters() -> [Tensor] { parameters().filter(\.requiresGrad) }

  /// Number of scalar parameters.
  public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }

  /// Parameters and buffers under their dotted names, as saved in a checkpoint.
  public func stateDict() -> [(name: String, tensor: Tensor)] {
    namedTensors(includeParameters: true, includeBuffers: true)
  }

  private func namedTensors(includeParameters: Bool, includeBuffers: Bool) -> [(name: String, tensor: Tensor)] {
    var result: [(String, Tensor)] = []
    var seen = Set<ObjectIdentifier>()
    for (prefix, module) in namedModules() {
      for (name, member) in module.members() {
        let fullName = prefix.isEmpty ? name : "\(prefix).\(name)"
        switch member {
        case .parameter(let tensor) where includeParameters,
          .buffer(let tensor) where includeBuffers:
          // A tensor shared between modules is listed once, as PyTorch does.
          if seen.insert(ObjectIdentifier(tensor)).inserted { result.append((fullName, tensor)) }
        default:
          break
        }
      }
    }
    return result
  }

  /// Copies values into this module's parameters and buffers, matched by name.
  ///
  /// Throws when a name is missing on either side (with `strict`) or a shape differs, naming
  /// the tensor; nothing is changed then.
  public func loadStateDict(_ state: [String: Tensor], strict: Bool = true) throws {
    let own = stateDict()
    var problems: [String] = []
    for (name, tensor) in own {
      guard let source = state[name] else {
        if strict { problems.append("missing '\(name)' (expected shape \(tensor.shape))") }
        continue
      }
      if source.shape != tensor.shape {
        problems.append("'\(name)' has shape \(source.shape) but the model expects \(tensor.shape)")
      }
    }
    if strict {
      let known = Set(own.map(\.name))
      for name in state.keys.sorted() where !known.contains(name) {
        problems.append("unexpected '\(name)'")
      }
    }
    guard problems.isEmpty else {
      throw TorchError("state does not fit \(type(of: self)): " + problems.joined(separator: "; "))
    }
    withNoGrad {
      for (name, tensor) in own {
        if let source = state[name] { tensor.copy_(source) }
      }
    }
  }

  /// Converts every parameter and buffer to `dtype` in place (floating-point ones only, so
  /// counters stay integers); the tensors remain the same objects.
  public func to(_ dtype: DType) {
    withNoGrad {
      for (_, tensor) in stateDict() where tensor.dtype.isFloatingPoint { tensor.setData(tensor.to(dtype)) }
    }
  }

  /// Moves every parameter and buffer to `device` in place.
  public func to(_ device: Device) {
    withNoGrad {
      for (_, tensor) in stateDict() { tensor.setData(tensor.to(device)) }
    }
  }

  // MARK: Modes

  /// Switches this module and its submodules to training (or evaluation) mode.
  public func train(_ training: Bool = true) {
    for (_, module) in namedModules() { module.isTraining = training }
  }

  /// Switches to evaluation mode.
  public func eval() { train(false) }

  /// Stops gradients for every parameter (for fine-tuning or fixed feature extractors).
  public func freeze() { for p in parameters() { p.requiresGrad = false } }

  /// Lets every parameter receive gradients again.
  public func unfreeze() { for p in parameters() { p.requiresGrad = true } }

  /// Resets every parameter's gradient.
  public func zeroGrad() { for p in parameters() { p.grad = nil } }
}

/// Marks a stored tensor as a buffer: saved in the state dict, never trained.
@propertyWrapper
public struct Buffer {
  public var wrappedValue: Tensor
  public init(wrappedValue: Tensor) { self.wrappedValue = wrappedValue }
}

/// A module mapping one tensor to one tensor, usable in `Sequential`.
public protocol UnaryLayer: Module {
  func callAsFunction(_ x: Tensor) -> Tensor
}
